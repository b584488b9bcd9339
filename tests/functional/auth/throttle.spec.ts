import { test } from '@japa/runner'
import type { ApiClient } from '@japa/api-client'
import { TRUSTED_DEVICE_COOKIE } from '#services/auth/trusted_device'
import AuditEvent from '#models/audit_event'
import { createUser, FACTORY_PASSWORD } from '#database/factories/user_factory'
import { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'

/*
| .env.test: 5 failures per account, 20 per client address, 15 minute window.
| The test client connects from loopback, which TRUSTED_PROXIES trusts by
| default, so X-Forwarded-For stands for the real client behind a proxy.
*/

/** A browser at `address` behind the trusted proxy. */
function behindProxy(client: ApiClient, address: string) {
  const browser = new ApiSession(client)
  browser.headers.set('X-Forwarded-For', address)
  return browser
}

test.group('Sign-in throttling', (group) => {
  isolateEachTest(group)

  test('locks an account after 5 failed attempts, even for the right password', async ({
    client,
    assert,
  }) => {
    const user = await createUser()
    const browser = new ApiSession(client)
    await browser.get('/api/v1/auth/csrf')

    for (let attempt = 1; attempt <= 5; attempt++) {
      ;(
        await browser.post('/api/v1/auth/login', { username: user.username, password: 'guess' })
      ).assertStatus(401)
    }
    const locked = await browser.post('/api/v1/auth/login', {
      username: user.username,
      password: FACTORY_PASSWORD,
    })

    locked.assertStatus(429)
    assert.equal(locked.body().errors[0].code, 'E_TOO_MANY_REQUESTS')
    const retryAfter = Number(locked.header('retry-after'))
    assert.isAbove(retryAfter, 0)
    assert.isAtMost(retryAfter, 15 * 60)
    const denied = await AuditEvent.query().where('outcome', 'denied').firstOrFail()
    assert.equal(denied.details?.reason, 'E_TOO_MANY_REQUESTS')
  })

  test('counts the username case-insensitively', async ({ client }) => {
    const user = await createUser()
    const browser = new ApiSession(client)
    await browser.get('/api/v1/auth/csrf')
    for (let attempt = 1; attempt <= 5; attempt++) {
      const username = attempt % 2 ? user.username.toUpperCase() : user.username
      await browser.post('/api/v1/auth/login', { username, password: 'guess' })
    }
    ;(await browser.login(user.username, FACTORY_PASSWORD)).assertStatus(429)
  })

  test('a successful sign-in clears the account counter', async ({ client }) => {
    const user = await createUser()
    const browser = new ApiSession(client)
    await browser.get('/api/v1/auth/csrf')
    for (let attempt = 1; attempt <= 4; attempt++) {
      await browser.post('/api/v1/auth/login', { username: user.username, password: 'guess' })
    }
    ;(await browser.login(user.username, FACTORY_PASSWORD)).assertStatus(200)

    const other = new ApiSession(client)
    await other.get('/api/v1/auth/csrf')
    for (let attempt = 1; attempt <= 4; attempt++) {
      ;(
        await other.post('/api/v1/auth/login', { username: user.username, password: 'guess' })
      ).assertStatus(401)
    }
  })

  test('limits one client address across many accounts to 20 failures', async ({ client }) => {
    const browser = new ApiSession(client)
    await browser.get('/api/v1/auth/csrf')
    for (let attempt = 1; attempt <= 20; attempt++) {
      ;(
        await browser.post('/api/v1/auth/login', { username: `user${attempt}`, password: 'guess' })
      ).assertStatus(401)
    }
    const user = await createUser()
    ;(await browser.login(user.username, FACTORY_PASSWORD)).assertStatus(429)
  })

  test('does not count requests refused by validation', async ({ client }) => {
    const user = await createUser()
    const browser = new ApiSession(client)
    await browser.get('/api/v1/auth/csrf')
    for (let attempt = 1; attempt <= 8; attempt++) {
      ;(await browser.post('/api/v1/auth/login', { username: user.username })).assertStatus(422)
    }
    ;(await browser.login(user.username, FACTORY_PASSWORD)).assertStatus(200)
  })

  test('the owner still signs in from a browser they used before while strangers lock the account', async ({
    client,
    assert,
  }) => {
    const user = await createUser()
    const owner = new ApiSession(client)
    ;(await owner.login(user.username, FACTORY_PASSWORD)).assertStatus(200)
    assert.isTrue(owner.cookies.has(TRUSTED_DEVICE_COOKIE))
    await owner.post('/api/v1/auth/logout')

    const attacker = new ApiSession(client)
    await attacker.get('/api/v1/auth/csrf')
    for (let attempt = 1; attempt <= 6; attempt++) {
      await attacker.post('/api/v1/auth/login', { username: user.username, password: 'guess' })
    }
    ;(await attacker.login(user.username, FACTORY_PASSWORD)).assertStatus(429)

    ;(await owner.login(user.username, FACTORY_PASSWORD)).assertStatus(200)
  })

  test('a trusted browser gets no more guesses than the account', async ({ client }) => {
    const user = await createUser()
    const browser = new ApiSession(client)
    ;(await browser.login(user.username, FACTORY_PASSWORD)).assertStatus(200)
    await browser.post('/api/v1/auth/logout')
    await browser.get('/api/v1/auth/csrf')
    for (let attempt = 1; attempt <= 5; attempt++) {
      ;(
        await browser.post('/api/v1/auth/login', { username: user.username, password: 'guess' })
      ).assertStatus(401)
    }
    ;(await browser.login(user.username, FACTORY_PASSWORD)).assertStatus(429)
  })

  test('a device cookie trusts only the accounts it signed in, and only when signed', async ({
    client,
  }) => {
    const owner = await createUser()
    const victim = await createUser()
    const browser = new ApiSession(client)
    ;(await browser.login(owner.username, FACTORY_PASSWORD)).assertStatus(200)
    await browser.post('/api/v1/auth/logout')

    const attacker = new ApiSession(client)
    await attacker.get('/api/v1/auth/csrf')
    for (let attempt = 1; attempt <= 5; attempt++) {
      await attacker.post('/api/v1/auth/login', { username: victim.username, password: 'guess' })
    }
    // The owner's trusted browser is a stranger to the victim's account.
    ;(await browser.login(victim.username, FACTORY_PASSWORD)).assertStatus(429)

    // A cookie edited by hand (another account, same device id) is not signed.
    const forged = new ApiSession(client)
    const value = browser.cookies.get(TRUSTED_DEVICE_COOKIE)!
    forged.cookies.set(TRUSTED_DEVICE_COOKIE, `${value.slice(0, -4)}AAAA`)
    ;(await forged.login(victim.username, FACTORY_PASSWORD)).assertStatus(429)
  })

  test('counts failures per real client behind the trusted proxy, and audits that address', async ({
    client,
    assert,
  }) => {
    const noisy = behindProxy(client, '203.0.113.7')
    await noisy.get('/api/v1/auth/csrf')
    for (let attempt = 1; attempt <= 20; attempt++) {
      ;(
        await noisy.post('/api/v1/auth/login', { username: `user${attempt}`, password: 'guess' })
      ).assertStatus(401)
    }
    ;(await noisy.post('/api/v1/auth/login', { username: 'user21', password: 'x' })).assertStatus(
      429
    )

    const user = await createUser()
    const neighbour = behindProxy(client, '203.0.113.8')
    ;(await neighbour.login(user.username, FACTORY_PASSWORD)).assertStatus(200)

    const failure = await AuditEvent.query().where('outcome', 'failure').firstOrFail()
    assert.equal(failure.clientIp, '203.0.113.7')
    const success = await AuditEvent.query().where('outcome', 'success').firstOrFail()
    assert.equal(success.clientIp, '203.0.113.8')
  })
})
