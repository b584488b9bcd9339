import { test } from '@japa/runner'
import { usernameDigest } from '#services/auth/username_digest'
import AuditEvent from '#models/audit_event'
import db from '@adonisjs/lucid/services/db'
import { createUser, FACTORY_PASSWORD } from '#database/factories/user_factory'
import { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'

test.group('Sign-in with a local account', (group) => {
  isolateEachTest(group)

  test('signs in, sets a session cookie and answers /me', async ({ client, assert }) => {
    const user = await createUser({ roles: ['admin'] })
    const browser = new ApiSession(client)
    await browser.get('/api/v1/auth/csrf')
    const anonymousSession = browser.cookies.get('portal-session')

    const login = await browser.login(user.username, FACTORY_PASSWORD)
    login.assertStatus(200)
    assert.notEqual(browser.cookies.get('portal-session'), anonymousSession, 'session id renewed')
    assert.equal(login.body().data.username, user.username)
    assert.deepEqual(login.body().data.roles, ['admin', 'scientist'])
    assert.notProperty(login.body().data, 'password')
    assert.isTrue(browser.cookies.has('portal-session'))

    const me = await browser.get('/api/v1/me')
    me.assertStatus(200)
    assert.equal(me.body().data.id, user.id)
    assert.isNotNull(me.body().data.lastLoginAt)
  })

  test('records a successful sign-in in the audit trail', async ({ client, assert }) => {
    const user = await createUser()
    await new ApiSession(client).login(user.username, FACTORY_PASSWORD)

    const event = await AuditEvent.query().where('action', 'auth.login').firstOrFail()
    assert.equal(event.outcome, 'success')
    assert.equal(event.actorId, user.id)
    assert.equal(event.clientIp, '127.0.0.1')
    assert.isString(event.requestId)
    assert.notInclude(JSON.stringify(event.serialize()), FACTORY_PASSWORD)
  })

  test('refuses a wrong password with 401 and audits the failure', async ({ client, assert }) => {
    const user = await createUser()
    const response = await new ApiSession(client).login(user.username, 'not the password')

    response.assertStatus(401)
    assert.deepEqual(response.body(), {
      errors: [{ code: 'E_INVALID_CREDENTIALS', message: 'Invalid username or password' }],
    })
    const event = await AuditEvent.query().where('action', 'auth.login').firstOrFail()
    assert.equal(event.outcome, 'failure')
    assert.isNull(event.actorId)
    assert.equal(event.details?.usernameDigest, usernameDigest(user.username))
    assert.notInclude(JSON.stringify(event.details), user.username)
    assert.notInclude(JSON.stringify(event.details), 'not the password')
  })

  test('answers an unknown username exactly like a wrong password', async ({ client, assert }) => {
    const response = await new ApiSession(client).login('nobody-here', 'whatever')
    response.assertStatus(401)
    assert.equal(response.body().errors[0].code, 'E_INVALID_CREDENTIALS')
  })

  test('refuses a disabled account with 403', async ({ client, assert }) => {
    const user = await createUser({ disabled: true })
    const browser = new ApiSession(client)
    const response = await browser.login(user.username, FACTORY_PASSWORD)

    response.assertStatus(403)
    assert.equal(response.body().errors[0].code, 'E_ACCOUNT_DISABLED')
    ;(await browser.get('/api/v1/me')).assertStatus(401)
  })

  test('ends the session of an account disabled while signed in', async ({ client, assert }) => {
    const user = await createUser()
    const browser = new ApiSession(client)
    await browser.login(user.username, FACTORY_PASSWORD)
    await db.from('users').where('id', user.id).update({ disabled: true })

    const refused = await browser.get('/api/v1/me')
    refused.assertStatus(403)
    assert.equal(refused.body().errors[0].code, 'E_ACCOUNT_DISABLED')

    await db.from('users').where('id', user.id).update({ disabled: false })
    ;(await browser.get('/api/v1/me')).assertStatus(401)
  })

  test('names each missing field with 422', async ({ client, assert }) => {
    const browser = new ApiSession(client)
    await browser.get('/api/v1/auth/csrf')
    const response = await browser.post('/api/v1/auth/login', {})

    response.assertStatus(422)
    const fields = response.body().errors.map((error: { field: string }) => error.field)
    assert.sameMembers(fields, ['username', 'password'])
    assert.equal(
      await AuditEvent.query()
        .count('* as total')
        .first()
        .then((r) => Number(r!.$extras.total)),
      0
    )
  })

  test('refuses fields of the wrong type with 422', async ({ client, assert }) => {
    const browser = new ApiSession(client)
    await browser.get('/api/v1/auth/csrf')
    const response = await browser.post('/api/v1/auth/login', { username: ['admin'], password: 42 })

    response.assertStatus(422)
    const fields = response.body().errors.map((error: { field: string }) => error.field)
    assert.sameMembers(fields, ['username', 'password'])
  })

  test('refuses malformed JSON with 400', async ({ client, assert }) => {
    const browser = new ApiSession(client)
    await browser.get('/api/v1/auth/csrf')
    const response = await browser
      .request('POST', '/api/v1/auth/login')
      .unsafeJson('{"username": "admin", "password": ')
    response.assertStatus(400)
    assert.deepEqual(response.body().errors[0].code, 'E_INVALID_JSON')
  })

  test('refuses an oversized body with 413 before parsing it', async ({ client, assert }) => {
    const browser = new ApiSession(client)
    await browser.get('/api/v1/auth/csrf')
    const response = await browser.post('/api/v1/auth/login', {
      username: 'admin',
      password: 'x'.repeat(300 * 1024),
    })
    response.assertStatus(413)
    assert.equal(response.body().errors[0].code, 'E_PAYLOAD_TOO_LARGE')
  })

  test('refuses a cookie-session login without the CSRF token', async ({ client, assert }) => {
    const user = await createUser()
    const browser = new ApiSession(client)
    await browser.get('/api/v1/auth/csrf')
    browser.sendCsrfHeader = false

    const response = await browser.post('/api/v1/auth/login', {
      username: user.username,
      password: FACTORY_PASSWORD,
    })
    response.assertStatus(403)
    assert.equal(response.body().errors[0].code, 'E_BAD_CSRF_TOKEN')
    browser.sendCsrfHeader = true
    ;(await browser.get('/api/v1/me')).assertStatus(401)
  })

  test('refuses a forged CSRF token', async ({ client }) => {
    const user = await createUser()
    const browser = new ApiSession(client)
    await browser.get('/api/v1/auth/csrf')
    browser.cookies.set('XSRF-TOKEN', 'forged-token-value')

    const response = await browser.post('/api/v1/auth/login', {
      username: user.username,
      password: FACTORY_PASSWORD,
    })
    response.assertStatus(403)
  })
})

test.group('Sign-out', (group) => {
  isolateEachTest(group)

  test('ends the session so that /me is refused afterwards', async ({ client, assert }) => {
    const user = await createUser()
    const browser = new ApiSession(client)
    await browser.login(user.username, FACTORY_PASSWORD)
    const staleCookies = new Map(browser.cookies)

    ;(await browser.post('/api/v1/auth/logout')).assertStatus(204)
    ;(await browser.get('/api/v1/me')).assertStatus(401)

    // Replaying the old session cookie does not bring the session back.
    const replay = new ApiSession(client)
    replay.cookies = staleCookies
    ;(await replay.get('/api/v1/me')).assertStatus(401)

    const event = await AuditEvent.query().where('action', 'auth.logout').firstOrFail()
    assert.equal(event.actorId, user.id)
  })

  test('requires the CSRF token to sign out', async ({ client }) => {
    const user = await createUser()
    const browser = new ApiSession(client)
    await browser.login(user.username, FACTORY_PASSWORD)
    browser.sendCsrfHeader = false

    ;(await browser.post('/api/v1/auth/logout')).assertStatus(403)
    browser.sendCsrfHeader = true
    ;(await browser.get('/api/v1/me')).assertStatus(200)
  })

  test('refuses to sign out when not signed in', async ({ client }) => {
    const browser = new ApiSession(client)
    await browser.get('/api/v1/auth/csrf')
    ;(await browser.post('/api/v1/auth/logout')).assertStatus(401)
  })
})
