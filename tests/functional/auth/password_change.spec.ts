import { test } from '@japa/runner'
import AuditEvent from '#models/audit_event'
import User from '#models/user'
import { createUser, FACTORY_PASSWORD } from '#database/factories/user_factory'
import { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'

const NEW_PASSWORD = 'a-brand-new-password-42'

async function signedIn(client: ConstructorParameters<typeof ApiSession>[0], username: string) {
  const browser = new ApiSession(client)
  ;(await browser.login(username, FACTORY_PASSWORD)).assertStatus(200)
  return browser
}

test.group('Changing one’s password', (group) => {
  isolateEachTest(group)

  test('changes a local password, ends the other sessions and every token, keeps this session', async ({
    client,
    assert,
  }) => {
    const user = await createUser()
    const browser = await signedIn(client, user.username)
    const other = await signedIn(client, user.username)
    const { token } = (
      await browser.post('/api/v1/auth/tokens', { name: 'script', expiresInDays: 1 })
    ).body().data
    const cookieBefore = browser.cookies.get('portal-session')

    const response = await browser.put('/api/v1/me/password', {
      currentPassword: FACTORY_PASSWORD,
      newPassword: NEW_PASSWORD,
    })

    response.assertStatus(204)
    assert.notEqual(browser.cookies.get('portal-session'), cookieBefore)
    ;(await browser.get('/api/v1/me')).assertStatus(200)
    ;(await other.get('/api/v1/me')).assertStatus(401)
    ;(await ApiSession.withToken(client, token).get('/api/v1/me')).assertStatus(401)
    ;(await new ApiSession(client).login(user.username, FACTORY_PASSWORD)).assertStatus(401)
    ;(await new ApiSession(client).login(user.username, NEW_PASSWORD)).assertStatus(200)

    const event = await AuditEvent.query().where('action', 'user.password_change').firstOrFail()
    assert.equal(event.outcome, 'success')
    assert.equal(event.objectId, String(user.id))
    assert.deepEqual(event.details, { sessionsEnded: 1, tokensRevoked: 1 })
    assert.notInclude(JSON.stringify(event.details), NEW_PASSWORD)
  })

  test('the session still ends when the account is disabled afterwards', async ({ client }) => {
    const user = await createUser()
    const browser = await signedIn(client, user.username)
    ;(
      await browser.put('/api/v1/me/password', {
        currentPassword: FACTORY_PASSWORD,
        newPassword: NEW_PASSWORD,
      })
    ).assertStatus(204)
    const admin = await createUser({ roles: ['admin'] })
    const adminBrowser = await signedIn(client, admin.username)
    ;(await adminBrowser.patch(`/api/v1/admin/users/${user.id}`, { disabled: true })).assertStatus(
      200
    )
    ;(await browser.get('/api/v1/me')).assertStatus(401)
  })

  test('a wrong current password is a 422 on currentPassword and changes nothing', async ({
    client,
    assert,
  }) => {
    const user = await createUser()
    const browser = await signedIn(client, user.username)
    const hashBefore = (await User.findOrFail(user.id)).password

    const response = await browser.put('/api/v1/me/password', {
      currentPassword: 'not-my-password',
      newPassword: NEW_PASSWORD,
    })

    response.assertStatus(422)
    assert.equal(response.body().errors[0].field, 'currentPassword')
    assert.equal((await User.findOrFail(user.id)).password, hashBefore)
    ;(await browser.get('/api/v1/me')).assertStatus(200)
  })

  test('guessing the current password is throttled like a sign-in', async ({ client }) => {
    const user = await createUser()
    const browser = await signedIn(client, user.username)
    for (let attempt = 1; attempt <= 5; attempt++) {
      ;(
        await browser.put('/api/v1/me/password', {
          currentPassword: `guess-${attempt}`,
          newPassword: NEW_PASSWORD,
        })
      ).assertStatus(422)
    }
    ;(
      await browser.put('/api/v1/me/password', {
        currentPassword: FACTORY_PASSWORD,
        newPassword: NEW_PASSWORD,
      })
    ).assertStatus(429)
  })

  test('refuses a new password that is short, unchanged or the username', async ({
    client,
    assert,
  }) => {
    const user = await createUser({ username: 'long-username-x', password: 'the-old-password-1' })
    const browser = new ApiSession(client)
    ;(await browser.login(user.username, 'the-old-password-1')).assertStatus(200)
    for (const newPassword of ['short', 'the-old-password-1', 'LONG-USERNAME-X']) {
      const response = await browser.put('/api/v1/me/password', {
        currentPassword: 'the-old-password-1',
        newPassword,
      })
      response.assertStatus(422)
      assert.equal(response.body().errors[0].field, 'newPassword', newPassword)
    }
  })

  test('a personal API token cannot change the password', async ({ client, assert }) => {
    const user = await createUser()
    const browser = await signedIn(client, user.username)
    const { token } = (
      await browser.post('/api/v1/auth/tokens', { name: 'script', expiresInDays: 1 })
    ).body().data
    const response = await ApiSession.withToken(client, token).put('/api/v1/me/password', {
      currentPassword: FACTORY_PASSWORD,
      newPassword: NEW_PASSWORD,
    })
    response.assertStatus(403)
    assert.equal(response.body().errors[0].code, 'E_TOKEN_SCOPE')
  })

  test('accounts whose password the facility holds get 403', async ({ client, assert }) => {
    const user = await createUser()
    const browser = await signedIn(client, user.username)
    await User.query().where('id', user.id).update({ provider: 'useroffice', password: null })
    const response = await browser.put('/api/v1/me/password', {
      currentPassword: FACTORY_PASSWORD,
      newPassword: NEW_PASSWORD,
    })
    response.assertStatus(403)
    assert.equal(response.body().errors[0].code, 'E_PASSWORD_NOT_LOCAL')
  })

  test('anonymous callers get 401', async ({ client }) => {
    const browser = new ApiSession(client)
    await browser.get('/api/v1/auth/csrf')
    ;(
      await browser.put('/api/v1/me/password', {
        currentPassword: FACTORY_PASSWORD,
        newPassword: NEW_PASSWORD,
      })
    ).assertStatus(401)
  })
})
