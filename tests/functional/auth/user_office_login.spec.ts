import { readFile } from 'node:fs/promises'
import { test } from '@japa/runner'
import env from '#start/env'
import db from '@adonisjs/lucid/services/db'
import User from '#models/user'
import AuditEvent from '#models/audit_event'
import { createUser, FACTORY_PASSWORD } from '#database/factories/user_factory'
import { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'
import { testUserOffice } from '#tests/helpers/test_user_office'

/* .env.test: the User Office is enabled, with a 1 second timeout. */

test.group('Sign-in through the User Office', (group) => {
  isolateEachTest(group)

  test('creates a facility account keyed by the canonical username', async ({ client, assert }) => {
    testUserOffice.addAccount({
      username: 'Jane.Doe@facility',
      password: 'uo-secret-1',
      canonicalUsername: 'jdoe',
    })
    const browser = new ApiSession(client)

    const login = await browser.login('Jane.Doe@facility', 'uo-secret-1')
    login.assertStatus(200)
    assert.equal(login.body().data.username, 'jdoe')
    assert.equal(login.body().data.provider, 'useroffice')
    assert.deepEqual(login.body().data.roles, ['scientist'])
    ;(await browser.get('/api/v1/me')).assertStatus(200)

    const user = await User.findByOrFail('username', 'jdoe')
    assert.isNull(user.password)
    assert.equal(user.externalId, 'jdoe')
    const event = await AuditEvent.query().where('action', 'auth.login').firstOrFail()
    assert.equal(event.details?.provider, 'useroffice')
    assert.deepEqual(testUserOffice.requests[0].body, {
      username: 'Jane.Doe@facility',
      password: 'uo-secret-1',
    })
  })

  test('signs the same person into the same account next time', async ({ client, assert }) => {
    testUserOffice.addAccount({ username: 'jdoe', password: 'uo-secret-1' })
    await new ApiSession(client).login('jdoe', 'uo-secret-1')
    const again = await new ApiSession(client).login('jdoe', 'uo-secret-1')

    again.assertStatus(200)
    const count = await db.from('users').where('username', 'jdoe').count('* as total').first()
    assert.equal(Number(count.total), 1)
  })

  test('uses the typed username when the User Office returns none', async ({ client, assert }) => {
    testUserOffice.addAccount({ username: 'plain', password: 'pw', omitUsernameInReply: true })
    const login = await new ApiSession(client).login('plain', 'pw')
    login.assertStatus(200)
    assert.equal(login.body().data.username, 'plain')
  })

  test('refuses a password the User Office rejects with 401', async ({ client, assert }) => {
    testUserOffice.addAccount({ username: 'jdoe', password: 'uo-secret-1' })
    const login = await new ApiSession(client).login('jdoe', 'wrong')
    login.assertStatus(401)
    assert.equal(login.body().errors[0].code, 'E_INVALID_CREDENTIALS')
    assert.isNull(await User.findBy('username', 'jdoe'))
  })

  test('answers 503, never "wrong password", when the User Office fails', async ({
    client,
    assert,
  }) => {
    testUserOffice.addAccount({ username: 'jdoe', password: 'uo-secret-1' })
    const faults = [
      { kind: 'status', status: 500 },
      { kind: 'status', status: 502, body: '<html>Bad gateway</html>' },
      { kind: 'status', status: 403 },
      { kind: 'reset' },
      { kind: 'malformed' },
      { kind: 'wrongShape' },
    ] as const
    for (const fault of faults) {
      testUserOffice.setFault(fault, 'login')
      const login = await new ApiSession(client).login('jdoe', 'uo-secret-1')
      login.assertStatus(503)
      assert.equal(login.body().errors[0].code, 'E_USER_OFFICE_UNAVAILABLE', JSON.stringify(fault))
    }
    assert.isNull(await User.findBy('username', 'jdoe'))
  })

  test('gives up on a slow User Office after the timeout', async ({ client, assert }) => {
    testUserOffice.addAccount({ username: 'jdoe', password: 'uo-secret-1' })
    // Far slower than the timeout, so a loaded machine cannot blur the two.
    testUserOffice.delayMs = 8000
    const startedAt = Date.now()

    const login = await new ApiSession(client).login('jdoe', 'uo-secret-1')
    login.assertStatus(503)
    const elapsed = Date.now() - startedAt
    assert.isAtLeast(elapsed, 900)
    assert.isBelow(elapsed, 6000)
  })

  test('never asks the User Office about a local account', async ({ client, assert }) => {
    const local = await createUser()
    const login = await new ApiSession(client).login(local.username, 'wrong')
    login.assertStatus(401)
    assert.equal(testUserOffice.requestsTo('login'), 0)
    ;(await new ApiSession(client).login(local.username, FACTORY_PASSWORD)).assertStatus(200)
    assert.equal(testUserOffice.requestsTo('login'), 0)
  })

  test('refuses a canonical username held by another kind of account', async ({
    client,
    assert,
  }) => {
    const local = await createUser({ username: 'taken' })
    testUserOffice.addAccount({
      username: 'someone',
      password: 'pw',
      canonicalUsername: local.username,
    })

    const login = await new ApiSession(client).login('someone', 'pw')
    login.assertStatus(409)
    assert.equal(login.body().errors[0].code, 'E_ACCOUNT_CONFLICT')
    const user = await User.findByOrFail('username', 'taken')
    assert.equal(user.provider, 'local')
  })

  test('refuses a disabled facility account', async ({ client, assert }) => {
    testUserOffice.addAccount({ username: 'jdoe', password: 'pw' })
    await new ApiSession(client).login('jdoe', 'pw')
    await db.from('users').where('username', 'jdoe').update({ disabled: true })

    const login = await new ApiSession(client).login('jdoe', 'pw')
    login.assertStatus(403)
    assert.equal(login.body().errors[0].code, 'E_ACCOUNT_DISABLED')
  })

  test('throttling stops password guessing before it reaches the User Office', async ({
    client,
    assert,
  }) => {
    testUserOffice.addAccount({ username: 'jdoe', password: 'uo-secret-1' })
    const browser = new ApiSession(client)
    await browser.get('/api/v1/auth/csrf')
    for (let attempt = 1; attempt <= 5; attempt++) {
      ;(
        await browser.post('/api/v1/auth/login', { username: 'jdoe', password: `guess-${attempt}` })
      ).assertStatus(401)
    }
    for (let attempt = 1; attempt <= 3; attempt++) {
      ;(
        await browser.post('/api/v1/auth/login', { username: 'jdoe', password: 'uo-secret-1' })
      ).assertStatus(429)
    }
    assert.equal(testUserOffice.requestsTo('login'), 5)
  })

  test('an outage still counts against the client address', async ({ client, assert }) => {
    testUserOffice.setFault({ kind: 'status', status: 500 }, 'login')
    const browser = new ApiSession(client)
    await browser.get('/api/v1/auth/csrf')
    for (let attempt = 1; attempt <= 20; attempt++) {
      ;(
        await browser.post('/api/v1/auth/login', { username: `u${attempt}`, password: 'x' })
      ).assertStatus(503)
    }
    ;(await browser.post('/api/v1/auth/login', { username: 'u21', password: 'x' })).assertStatus(
      429
    )
    assert.equal(testUserOffice.requestsTo('login'), 20)
  })

  test('never writes a User Office password to the log', async ({ client, assert }) => {
    testUserOffice.addAccount({ username: 'jdoe', password: 'uo-password-never-logged-9911' })
    await new ApiSession(client).login('jdoe', 'uo-password-never-logged-9911')
    testUserOffice.setFault({ kind: 'reset' }, 'login')
    await new ApiSession(client).login('jdoe', 'uo-password-never-logged-9911')

    const log = await readFile(env.get('LOG_FILE')!, 'utf8')
    assert.notInclude(log, 'uo-password-never-logged-9911')
    assert.include(log, 'User Office call failed')
  })
})

test.group('Sign-in methods', (group) => {
  isolateEachTest(group)

  test('tells the frontend which methods are enabled, without secrets', async ({
    client,
    assert,
  }) => {
    const response = await new ApiSession(client).get('/api/v1/auth/providers')
    response.assertStatus(200)
    assert.deepEqual(response.body(), {
      data: {
        password: { enabled: true, providers: ['local', 'useroffice'] },
        saml: { enabled: true, label: 'Umbrella', loginUrl: '/api/v1/auth/saml/login' },
        oidc: { enabled: true, label: 'Facility ID', loginUrl: '/api/v1/auth/oidc/login' },
      },
    })
  })
})
