import { test } from '@japa/runner'
import AuditEvent from '#models/audit_event'
import { createUser, FACTORY_PASSWORD } from '#database/factories/user_factory'
import { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'

/* .env.test: 5 failures per account, 20 per client address, 15 minute window. */

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
})
