import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import AuditEvent from '#models/audit_event'
import { createUser, FACTORY_PASSWORD } from '#database/factories/user_factory'
import { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'
import type { ApiClient } from '@japa/api-client'
import tokenUses from '#models/token_use_recorder'

async function signedIn(client: ApiClient) {
  const user = await createUser()
  const browser = new ApiSession(client)
  await browser.login(user.username, FACTORY_PASSWORD)
  return { user, browser }
}

test.group('Personal API tokens', (group) => {
  isolateEachTest(group)

  test('creates a token shown once, usable as a bearer token', async ({ client, assert }) => {
    const { user, browser } = await signedIn(client)

    const created = await browser.post('/api/v1/auth/tokens', {
      name: 'analysis script',
      expiresInDays: 30,
    })
    created.assertStatus(201)
    const { token, id, expiresAt } = created.body().data
    assert.match(token, /^fp_/)
    const days = (new Date(expiresAt).getTime() - Date.now()) / 86_400_000
    assert.closeTo(days, 30, 0.01)

    const listed = await browser.get('/api/v1/auth/tokens')
    listed.assertStatus(200)
    assert.deepEqual(
      listed.body().data.map((entry: { id: number }) => entry.id),
      [id]
    )
    assert.notInclude(JSON.stringify(listed.body()), token)
    assert.deepEqual(listed.body().meta, { total: 1, perPage: 20, currentPage: 1, lastPage: 1 })

    const script = ApiSession.withToken(client, token)
    const me = await script.get('/api/v1/me')
    me.assertStatus(200)
    assert.equal(me.body().data.id, user.id)

    const stored = await db.from('auth_access_tokens').where('id', id).firstOrFail()
    assert.notInclude(JSON.stringify(stored), token.slice(3))
    const audit = await AuditEvent.query().where('action', 'token.create').firstOrFail()
    assert.notInclude(JSON.stringify(audit.serialize()), token)
  })

  test('a bearer request needs no CSRF token and leaves no session behind', async ({
    client,
    assert,
  }) => {
    const { browser } = await signedIn(client)
    const { token } = (
      await browser.post('/api/v1/auth/tokens', { name: 'ci', expiresInDays: 1 })
    ).body().data
    const { id: spare } = (
      await browser.post('/api/v1/auth/tokens', { name: 'spare', expiresInDays: 1 })
    ).body().data
    const sessionsBefore = await db.from('sessions').count('* as total').first()

    const script = ApiSession.withToken(client, token)
    const revoked = await script.delete(`/api/v1/auth/tokens/${spare}`)
    revoked.assertStatus(204)
    assert.isUndefined(revoked.headers()['set-cookie'])

    const sessionsAfter = await db.from('sessions').count('* as total').first()
    assert.equal(Number(sessionsAfter.total), Number(sessionsBefore.total))
  })

  test('a revoked token stops working', async ({ client }) => {
    const { browser } = await signedIn(client)
    const { token, id } = (
      await browser.post('/api/v1/auth/tokens', { name: 'x', expiresInDays: 1 })
    ).body().data

    ;(await browser.delete(`/api/v1/auth/tokens/${id}`)).assertStatus(204)
    ;(await ApiSession.withToken(client, token).get('/api/v1/me')).assertStatus(401)
  })

  test('signing out with a bearer token revokes that token', async ({ client }) => {
    const { browser } = await signedIn(client)
    const { token } = (
      await browser.post('/api/v1/auth/tokens', { name: 'x', expiresInDays: 1 })
    ).body().data
    const script = ApiSession.withToken(client, token)

    ;(await script.post('/api/v1/auth/logout')).assertStatus(204)
    ;(await script.get('/api/v1/me')).assertStatus(401)
    ;(await browser.get('/api/v1/me')).assertStatus(200)
  })

  test('an expired token is refused', async ({ client }) => {
    const { browser } = await signedIn(client)
    const { token, id } = (
      await browser.post('/api/v1/auth/tokens', { name: 'x', expiresInDays: 1 })
    ).body().data
    await db
      .from('auth_access_tokens')
      .where('id', id)
      .update({ expires_at: new Date(Date.now() - 1000) })

    ;(await ApiSession.withToken(client, token).get('/api/v1/me')).assertStatus(401)
  })

  test('a tampered or unknown token is refused', async ({ client }) => {
    const { browser } = await signedIn(client)
    const { token } = (
      await browser.post('/api/v1/auth/tokens', { name: 'x', expiresInDays: 1 })
    ).body().data
    const tampered = token.slice(0, -2) + (token.endsWith('aa') ? 'bb' : 'aa')

    ;(await ApiSession.withToken(client, tampered).get('/api/v1/me')).assertStatus(401)
    ;(await ApiSession.withToken(client, 'fp_not-a-token').get('/api/v1/me')).assertStatus(401)
  })

  test("another user's token is not found and stays valid", async ({ client }) => {
    const alice = await signedIn(client)
    const bob = await signedIn(client)
    const { token, id } = (
      await alice.browser.post('/api/v1/auth/tokens', { name: 'alice', expiresInDays: 1 })
    ).body().data

    const attempt = await bob.browser.delete(`/api/v1/auth/tokens/${id}`)
    attempt.assertStatus(404)
    ;(await ApiSession.withToken(client, token).get('/api/v1/me')).assertStatus(200)
    const bobsList = await bob.browser.get('/api/v1/auth/tokens')
    bobsList.assertBodyContains({ data: [] })
  })

  test('validates the name and lifetime', async ({ client, assert }) => {
    const { browser } = await signedIn(client)
    const cases = [
      [{ name: '', expiresInDays: 1 }, 'name'],
      [{ name: 'x'.repeat(101), expiresInDays: 1 }, 'name'],
      [{ name: 'ok', expiresInDays: 0 }, 'expiresInDays'],
      [{ name: 'ok', expiresInDays: 91 }, 'expiresInDays'],
      [{ name: 'ok', expiresInDays: 1, admin: 'yes' }, 'admin'],
      [{ name: 'ok', expiresInDays: 1.5 }, 'expiresInDays'],
      [{ name: 'ok', expiresInDays: 'ten' }, 'expiresInDays'],
      [{ name: 'ok' }, 'expiresInDays'],
    ] as const
    for (const [body, field] of cases) {
      const response = await browser.post('/api/v1/auth/tokens', body)
      response.assertStatus(422)
      assert.equal(response.body().errors[0].field, field, JSON.stringify(body))
    }
    const count = await db.from('auth_access_tokens').count('* as total').first()
    assert.equal(Number(count.total), 0)
  })

  test('validates the token id and the paging parameters', async ({ client, assert }) => {
    const { browser } = await signedIn(client)
    const badId = await browser.delete('/api/v1/auth/tokens/abc')
    badId.assertStatus(422)
    assert.equal(badId.body().errors[0].field, 'params.id')

    const badPage = await browser.get('/api/v1/auth/tokens?perPage=1000')
    badPage.assertStatus(422)
    assert.equal(badPage.body().errors[0].field, 'perPage')
  })

  test('needs a signed-in user', async ({ client }) => {
    const anonymous = new ApiSession(client)
    ;(await anonymous.get('/api/v1/auth/tokens')).assertStatus(401)
  })
})

test.group('Personal API tokens: scopes', (group) => {
  isolateEachTest(group)

  async function tokenOf(browser: ApiSession, body: Record<string, unknown> = {}) {
    const created = await browser.post('/api/v1/auth/tokens', {
      name: 'script',
      expiresInDays: 1,
      ...body,
    })
    created.assertStatus(201)
    return created.body().data as { id: number; token: string; scopes: string[] }
  }

  test('a token cannot create tokens, and nothing is created', async ({ client, assert }) => {
    const { browser } = await signedIn(client)
    const { token } = await tokenOf(browser)

    const minted = await ApiSession.withToken(client, token).post('/api/v1/auth/tokens', {
      name: 'child',
      expiresInDays: 1,
    })

    minted.assertStatus(403)
    assert.equal(minted.body().errors[0].code, 'E_TOKEN_SCOPE')
    // Refused before the body is read.
    const invalid = await ApiSession.withToken(client, token).post('/api/v1/auth/tokens', {})
    invalid.assertStatus(403)
    const count = await db.from('auth_access_tokens').count('* as total').first()
    assert.equal(Number(count.total), 1)
  })

  test('a scientist cannot ask for the admin scope', async ({ client, assert }) => {
    const { browser } = await signedIn(client)
    const refused = await browser.post('/api/v1/auth/tokens', {
      name: 'x',
      expiresInDays: 1,
      admin: true,
    })
    refused.assertStatus(403)
    assert.equal(refused.body().errors[0].code, 'E_TOKEN_SCOPE')
    const count = await db.from('auth_access_tokens').count('* as total').first()
    assert.equal(Number(count.total), 0)
  })

  test("an admin's token acts as a scientist unless it was given the admin scope", async ({
    client,
    assert,
  }) => {
    const admin = await createUser({ roles: ['admin'] })
    const browser = new ApiSession(client)
    await browser.login(admin.username, FACTORY_PASSWORD)
    const plain = await tokenOf(browser)
    const scoped = await tokenOf(browser, { admin: true })
    assert.deepEqual(plain.scopes, ['user'])
    assert.deepEqual(scoped.scopes, ['user', 'admin'])

    const asPlain = ApiSession.withToken(client, plain.token)
    ;(await asPlain.get('/api/v1/admin/audit')).assertStatus(403)
    assert.deepEqual((await asPlain.get('/api/v1/me')).body().data.roles, ['scientist'])
    const asScoped = ApiSession.withToken(client, scoped.token)
    ;(await asScoped.get('/api/v1/admin/audit')).assertStatus(200)
    assert.deepEqual((await asScoped.get('/api/v1/me')).body().data.roles, ['admin', 'scientist'])

    // Uses are written off the request path (app/models/token_use_recorder.ts).
    await tokenUses.flush()
    const listed = (await browser.get('/api/v1/auth/tokens')).body().data
    assert.deepEqual(
      listed.map((entry: { id: number; scopes: string[] }) => [entry.id, entry.scopes]),
      [
        [scoped.id, ['user', 'admin']],
        [plain.id, ['user']],
      ]
    )
    const lastUsed = listed.find((entry: { id: number }) => entry.id === scoped.id).lastUsedAt
    assert.isString(lastUsed)
  })

  test('losing the admin role revokes the admin-scoped tokens only', async ({ client, assert }) => {
    const owner = await createUser({ roles: ['admin'] })
    const ownerSession = new ApiSession(client)
    await ownerSession.login(owner.username, FACTORY_PASSWORD)
    const plain = await tokenOf(ownerSession)
    const scoped = await tokenOf(ownerSession, { admin: true })

    const other = await createUser({ roles: ['admin'] })
    const otherSession = new ApiSession(client)
    await otherSession.login(other.username, FACTORY_PASSWORD)
    ;(await otherSession.patch(`/api/v1/admin/users/${owner.id}`, { roles: [] })).assertStatus(200)

    ;(await ApiSession.withToken(client, scoped.token).get('/api/v1/me')).assertStatus(401)
    ;(await ApiSession.withToken(client, plain.token).get('/api/v1/me')).assertStatus(200)
    const left = await db.from('auth_access_tokens').where('tokenable_id', owner.id).select('id')
    assert.deepEqual(
      left.map((row) => row.id),
      [plain.id]
    )
  })
})
