import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import User from '#models/user'
import UserRole from '#models/user_role'
import { createUser, FACTORY_PASSWORD } from '#database/factories/user_factory'
import { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'
import { setCredentialCacheTtl, withCredentialCache } from '#tests/helpers/credential_cache'
import { heldWithin } from '#tests/helpers/held_within'
import { fromSqlTimestamp } from '#models/millisecond_timestamp'
import { accountFromRows } from '#models/account_rows'
import type { StoredAccessTokens } from '#models/stored_access_tokens'
import { apiTokensConfig, authCacheConfig } from '#config/auth'
import RequestOrigin from '#services/request_origin'
import UserAdminService from '#services/accounts/user_admin_service'
import UserErasureService from '#services/accounts/user_erasure_service'
import { sessionAccounts, verifiedTokens } from '#models/verified_credentials'
import tokenUses from '#models/token_use_recorder'
import { Secret } from '@adonisjs/core/helpers'
import { userFields, userValues } from '#transformers/user_transformer'
import { fieldNames } from '#transformers/field_list'

async function tokenFor(roles: Array<'admin'> = [], abilities = ['*']) {
  const user = await createUser({ roles })
  const token = await User.accessTokens.create(user, abilities, { name: 'reads' })
  return { user, id: Number(token.identifier), value: token.value!.release() }
}

async function lastUsedAt(id: number) {
  const row = await db.from('auth_access_tokens').where('id', id).firstOrFail()
  return row.last_used_at === null ? null : fromSqlTimestamp(row.last_used_at).toMillis()
}

function setLastUsedAt(id: number, at: Date) {
  return db.from('auth_access_tokens').where('id', id).update({ last_used_at: at })
}

/** The same token id with another secret of the right length: only the secret is wrong. */
function forgedFrom(value: string) {
  const identifier = value.slice('fp_'.length).split('.')[0]
  return `fp_${identifier}.${Buffer.from('x'.repeat(40)).toString('base64url')}`
}

test.group('API token reads', (group) => {
  isolateEachTest(group)
  // The credential cache on, at the production default (1 s); .env.test turns it off.
  withCredentialCache(group, 1_000)

  test('a read never writes: the use is noted and written later, once per resolution', async ({
    client,
    assert,
  }) => {
    const { id, value } = await tokenFor()
    assert.isNull(await lastUsedAt(id))

    const before = Date.now()
    ;(await ApiSession.withToken(client, value).get('/api/v1/me')).assertStatus(200)
    assert.isNull(await lastUsedAt(id), 'nothing written on the request path')
    assert.equal(tokenUses.pending, 1)

    await tokenUses.flush()
    const first = await lastUsedAt(id)
    assert.isNotNull(first)
    assert.closeTo(first!, before, 5_000)

    // Within the resolution further reads note nothing more.
    for (let index = 0; index < 3; index++) {
      ;(await ApiSession.withToken(client, value).get('/api/v1/me')).assertStatus(200)
    }
    assert.equal(tokenUses.pending, 0)
    await tokenUses.flush()
    assert.equal(await lastUsedAt(id), first)
  })

  test('records the use again once the stored value is older than the resolution', async ({
    client,
    assert,
  }) => {
    const { id, value } = await tokenFor()
    const stale = new Date(Date.now() - apiTokensConfig.lastUsedResolutionMs - 60_000)
    await setLastUsedAt(id, stale)

    ;(await ApiSession.withToken(client, value).get('/api/v1/me')).assertStatus(200)
    assert.isBelow((await lastUsedAt(id))!, stale.getTime() + 1_000, 'not written by the request')
    await tokenUses.flush()
    assert.isAbove((await lastUsedAt(id))!, stale.getTime() + 30_000)
  })

  test('the batched write leaves a use another replica recorded within the resolution alone', async ({
    client,
    assert,
  }) => {
    const first = await tokenFor()
    const second = await tokenFor()
    ;(await ApiSession.withToken(client, first.value).get('/api/v1/me')).assertStatus(200)
    ;(await ApiSession.withToken(client, second.value).get('/api/v1/me')).assertStatus(200)
    assert.equal(tokenUses.pending, 2)
    const recent = new Date(Date.now() - apiTokensConfig.lastUsedResolutionMs / 2)
    recent.setMilliseconds(0)
    await setLastUsedAt(first.id, recent)

    await tokenUses.flush()
    assert.equal(await lastUsedAt(first.id), recent.getTime())
    assert.isNotNull(await lastUsedAt(second.id), 'both written by one flush')
  })

  test('a token id with a wrong secret is refused without any write, even while the token is remembered', async ({
    client,
    assert,
  }) => {
    const { id, value } = await tokenFor()
    ;(await ApiSession.withToken(client, value).get('/api/v1/me')).assertStatus(200)
    assert.isDefined(verifiedTokens.get(id), 'the token is remembered')
    await tokenUses.flush()
    const recorded = await lastUsedAt(id)

    const response = await ApiSession.withToken(client, forgedFrom(value)).get('/api/v1/me')
    response.assertStatus(401)
    assert.equal(tokenUses.pending, 0)
    await tokenUses.flush()
    assert.equal(await lastUsedAt(id), recorded)
  })

  test('a wrong secret never fills the cache and a never-used token stays unwritten', async ({
    client,
    assert,
  }) => {
    const { id, value } = await tokenFor()
    ;(await ApiSession.withToken(client, forgedFrom(value)).get('/api/v1/me')).assertStatus(401)
    ;(await ApiSession.withToken(client, forgedFrom(value)).get('/api/v1/me')).assertStatus(401)
    assert.isUndefined(verifiedTokens.get(id))
    assert.equal(tokenUses.pending, 0)
    await tokenUses.flush()
    assert.isNull(await lastUsedAt(id))
    // The real secret still works after the forged ones.
    ;(await ApiSession.withToken(client, value).get('/api/v1/me')).assertStatus(200)
  })

  test('an expired token is refused without any write', async ({ client, assert }) => {
    const { id, value } = await tokenFor()
    await db
      .from('auth_access_tokens')
      .where('id', id)
      .update({ expires_at: new Date(Date.now() - 60_000) })

    ;(await ApiSession.withToken(client, value).get('/api/v1/me')).assertStatus(401)
    assert.equal(tokenUses.pending, 0)
    assert.isNull(await lastUsedAt(id))
  })

  test('the cache keeps the stored hash, never the secret, and hands out fresh instances', async ({
    assert,
  }) => {
    const { id, value } = await tokenFor(['admin'])
    const tokens = User.accessTokens as unknown as StoredAccessTokens<typeof User>
    const first = await tokens.verifyWithOwner(new Secret(value))
    const second = await tokens.verifyWithOwner(new Secret(value))
    assert.exists(first)
    assert.exists(second)

    const remembered = JSON.stringify(verifiedTokens.get(id))
    const secret = value.split('.')[1]
    assert.notInclude(remembered, secret)
    assert.notInclude(remembered, Buffer.from(secret, 'base64url').toString())
    assert.notProperty(verifiedTokens.get(id)!.ownerRow, 'password')

    const a = accountFromRows(User, first!) as User
    const b = accountFromRows(User, second!) as User
    assert.notStrictEqual(a, b)
    a.withholdRole('admin')
    assert.deepEqual(a.roles, ['scientist'])
    assert.deepEqual(b.roles, ['admin', 'scientist'])

    // What one request changes on its instance stays there: the attributes
    // consumed once per remembered rows are copied into each instance.
    const email = b.email
    a.email = 'changed@example.org'
    a.roleRows[0].role = 'admin'
    const third = accountFromRows(User, (await tokens.verifyWithOwner(new Secret(value)))!) as User
    assert.equal(b.email, email)
    assert.equal(third.email, email)
    assert.deepEqual(third.roles, ['admin', 'scientist'])
    assert.isTrue(a.$isDirty)
    // Each is a persisted, clean instance, as hydrating the rows makes one.
    const hydrated = User.$createFromAdapterResult(second!.ownerRow)!
    for (const instance of [b, third]) {
      assert.isTrue(instance.$isPersisted)
      assert.isFalse(instance.$isLocal)
      assert.isFalse(instance.$isDirty)
      assert.equal(JSON.stringify(instance.$attributes), JSON.stringify(hydrated.$attributes))
      assert.equal(JSON.stringify(instance.$original), JSON.stringify(hydrated.$original))
    }
  })

  test('the guards still tell a listener of their events (unlistened events are skipped)', async ({
    client,
    assert,
  }) => {
    const { user, value } = await tokenFor()
    const emitter = await app.container.make('emitter')
    const heard: number[] = []
    const listener = (event: { user: User }) => {
      heard.push(event.user.id)
    }
    emitter.on('access_tokens_auth:authentication_succeeded', listener)
    try {
      ;(await ApiSession.withToken(client, value).get('/api/v1/me')).assertStatus(200)
    } finally {
      emitter.off('access_tokens_auth:authentication_succeeded', listener)
    }
    ;(await ApiSession.withToken(client, value).get('/api/v1/me')).assertStatus(200)
    assert.deepEqual(heard, [user.id])
  })

  test('GET /me answers the user as its field list shows it, byte for byte', async ({
    client,
    assert,
  }) => {
    const { user, value } = await tokenFor(['admin'])
    const script = ApiSession.withToken(client, value)
    const loaded = await User.query().where('id', user.id).preload('roleRows').firstOrFail()
    // The transformer's pick over the field list, as /me answered before its value function.
    const expected = JSON.stringify({
      data: Object.fromEntries(fieldNames(userFields).map((name) => [name, loaded[name]])),
    })
    for (let read = 0; read < 2; read++) {
      const me = await script.get('/api/v1/me')
      me.assertStatus(200)
      assert.equal(me.text(), expected)
    }
    assert.deepEqual(Object.keys(userValues(loaded)), fieldNames(userFields))
  })

  test('reads the roles with the token: granted and removed roles take effect at once', async ({
    client,
    assert,
  }) => {
    const { user, value } = await tokenFor(['admin'])
    const users = await app.container.make(UserAdminService)
    const script = ApiSession.withToken(client, value)
    const me = await script.get('/api/v1/me')
    me.assertStatus(200)
    assert.deepEqual(me.body().data.roles, ['admin', 'scientist'])
    ;(await script.get('/api/v1/admin/experiments')).assertStatus(200)

    await users.update(null, user.id, { roles: [] }, RequestOrigin.cli())
    const after = await script.get('/api/v1/me')
    after.assertStatus(200)
    assert.notInclude(after.body().data.roles, 'admin')
    ;(await script.get('/api/v1/admin/experiments')).assertStatus(403)
  })

  test('revocation, sign-out, disabling and erasure in this process take effect at once', async ({
    client,
  }) => {
    const users = await app.container.make(UserAdminService)
    const erasure = await app.container.make(UserErasureService)

    const revoked = await tokenFor()
    const browser = new ApiSession(client)
    await browser.login(revoked.user.username, FACTORY_PASSWORD)
    const script = ApiSession.withToken(client, revoked.value)
    ;(await script.get('/api/v1/me')).assertStatus(200)
    ;(await browser.delete(`/api/v1/auth/tokens/${revoked.id}`)).assertStatus(204)
    ;(await script.get('/api/v1/me')).assertStatus(401)

    const signedOut = await tokenFor()
    const signedOutScript = ApiSession.withToken(client, signedOut.value)
    ;(await signedOutScript.get('/api/v1/me')).assertStatus(200)
    ;(await signedOutScript.post('/api/v1/auth/logout')).assertStatus(204)
    ;(await signedOutScript.get('/api/v1/me')).assertStatus(401)

    const disabled = await tokenFor()
    const disabledScript = ApiSession.withToken(client, disabled.value)
    ;(await disabledScript.get('/api/v1/me')).assertStatus(200)
    await users.update(null, disabled.user.id, { disabled: true }, RequestOrigin.cli())
    ;(await disabledScript.get('/api/v1/me')).assertStatus(401)

    const erased = await tokenFor()
    const erasedScript = ApiSession.withToken(client, erased.value)
    ;(await erasedScript.get('/api/v1/me')).assertStatus(200)
    await erasure.erase(null, erased.user.id, RequestOrigin.cli())
    ;(await erasedScript.get('/api/v1/me')).assertStatus(401)
  })

  test('a change made behind this process (another replica) applies within AUTH_CACHE_TTL', async ({
    client,
    assert,
  }) => {
    const { user, value } = await tokenFor()
    const script = ApiSession.withToken(client, value)
    ;(await script.get('/api/v1/me')).assertStatus(200)

    await db.from('users').where('id', user.id).update({ disabled: true })
    const tookMs = await heldWithin(
      authCacheConfig.ttlMs + 1_000,
      async () => (await script.get('/api/v1/me')).status() === 403
    )
    assert.isAtMost(tookMs, authCacheConfig.ttlMs + 1_000)

    await db.from('auth_access_tokens').where('tokenable_id', user.id).delete()
    await heldWithin(
      authCacheConfig.ttlMs + 1_000,
      async () => (await script.get('/api/v1/me')).status() === 401
    )
  })

  test('with AUTH_CACHE_TTL 0 nothing is remembered and every change applies to the next request', async ({
    client,
    assert,
    cleanup,
  }) => {
    cleanup(setCredentialCacheTtl(0))
    const { user, id, value } = await tokenFor(['admin'])
    const script = ApiSession.withToken(client, value)
    ;(await script.get('/api/v1/me')).assertStatus(200)
    assert.isUndefined(verifiedTokens.get(id))

    await UserRole.query().where('userId', user.id).where('role', 'admin').delete()
    assert.deepEqual((await script.get('/api/v1/me')).body().data.roles, ['scientist'])
    await db.from('users').where('id', user.id).update({ disabled: true })
    ;(await script.get('/api/v1/me')).assertStatus(403)
  })

  test('reads roles of every source with the token (an IdP-granted admin role included)', async ({
    client,
    assert,
  }) => {
    for (const source of ['saml', 'oidc'] as const) {
      const { user, value } = await tokenFor()
      await UserRole.create({ userId: user.id, role: 'admin', source })
      const me = await ApiSession.withToken(client, value).get('/api/v1/me')
      me.assertStatus(200)
      assert.deepEqual(me.body().data.roles, ['admin', 'scientist'], source)
    }
  })
})

test.group('Session reads', (group) => {
  isolateEachTest(group)
  // The credential cache on, at the production default (1 s); .env.test turns it off.
  withCredentialCache(group, 1_000)

  test('a signed-in user is read with their roles and remembered without the password hash', async ({
    client,
    assert,
  }) => {
    const user = await createUser({ roles: ['admin'] })
    const browser = new ApiSession(client)
    await browser.login(user.username, FACTORY_PASSWORD)
    const me = await browser.get('/api/v1/me')
    me.assertStatus(200)
    assert.deepEqual(me.body().data.roles, ['admin', 'scientist'])
    const remembered = sessionAccounts.get(user.id)
    assert.exists(remembered)
    assert.notProperty(remembered!.ownerRow, 'password')
  })

  test('role changes and disabling through the services apply to a session at once', async ({
    client,
    assert,
  }) => {
    const users = await app.container.make(UserAdminService)
    const user = await createUser({ roles: ['admin'] })
    const browser = new ApiSession(client)
    await browser.login(user.username, FACTORY_PASSWORD)
    ;(await browser.get('/api/v1/admin/experiments')).assertStatus(200)

    await users.update(null, user.id, { roles: [] }, RequestOrigin.cli())
    const me = await browser.get('/api/v1/me')
    assert.deepEqual(me.body().data.roles, ['scientist'])
    ;(await browser.get('/api/v1/admin/experiments')).assertStatus(403)

    await users.update(null, user.id, { disabled: true }, RequestOrigin.cli())
    ;(await browser.get('/api/v1/me')).assertStatus(401)
  })

  test('a password change still checks the current password though the session user has no hash', async ({
    client,
  }) => {
    const user = await createUser()
    const browser = new ApiSession(client)
    await browser.login(user.username, FACTORY_PASSWORD)
    ;(await browser.get('/api/v1/me')).assertStatus(200)
    ;(
      await browser.put('/api/v1/me/password', {
        currentPassword: 'not the password at all',
        newPassword: 'another long password 123',
      })
    ).assertStatus(422)
    ;(
      await browser.put('/api/v1/me/password', {
        currentPassword: FACTORY_PASSWORD,
        newPassword: 'another long password 123',
      })
    ).assertStatus(204)
  })
})
