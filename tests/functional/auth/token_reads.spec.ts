import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import User from '#models/user'
import UserRole from '#models/user_role'
import { createUser } from '#database/factories/user_factory'
import { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'
import { fromSqlTimestamp } from '#models/millisecond_timestamp'
import { apiTokensConfig } from '#config/auth'

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

test.group('API token reads', (group) => {
  isolateEachTest(group)

  test('records the first use of a token, then leaves last_used_at alone within the resolution', async ({
    client,
    assert,
  }) => {
    const { id, value } = await tokenFor()
    assert.isNull(await lastUsedAt(id))

    const before = Date.now()
    ;(await ApiSession.withToken(client, value).get('/api/v1/me')).assertStatus(200)
    const first = await lastUsedAt(id)
    assert.isNotNull(first)
    assert.closeTo(first!, before, 5_000)

    // A known value inside the resolution: further reads must not change it.
    const recent = new Date(Date.now() - apiTokensConfig.lastUsedResolutionMs / 2)
    recent.setMilliseconds(0)
    await setLastUsedAt(id, recent)
    for (let index = 0; index < 3; index++) {
      ;(await ApiSession.withToken(client, value).get('/api/v1/me')).assertStatus(200)
    }
    assert.equal(await lastUsedAt(id), recent.getTime())
  })

  test('records the use again once the stored value is older than the resolution', async ({
    client,
    assert,
  }) => {
    const { id, value } = await tokenFor()
    const stale = new Date(Date.now() - apiTokensConfig.lastUsedResolutionMs - 60_000)
    await setLastUsedAt(id, stale)

    ;(await ApiSession.withToken(client, value).get('/api/v1/me')).assertStatus(200)
    const recorded = await lastUsedAt(id)
    assert.isAbove(recorded!, stale.getTime() + 30_000)
  })

  test('a token id with a wrong secret is refused without any write', async ({
    client,
    assert,
  }) => {
    const { id, value } = await tokenFor()
    // Same id, another secret of the right length: only the secret is wrong.
    const identifier = value.slice('fp_'.length).split('.')[0]
    const forged = `fp_${identifier}.${Buffer.from('x'.repeat(40)).toString('base64url')}`

    const response = await ApiSession.withToken(client, forged).get('/api/v1/me')
    response.assertStatus(401)
    assert.isNull(await lastUsedAt(id))
  })

  test('an expired token is refused without any write', async ({ client, assert }) => {
    const { id, value } = await tokenFor()
    await db
      .from('auth_access_tokens')
      .where('id', id)
      .update({ expires_at: new Date(Date.now() - 60_000) })

    ;(await ApiSession.withToken(client, value).get('/api/v1/me')).assertStatus(401)
    assert.isNull(await lastUsedAt(id))
  })

  test('reads the roles with the token: granted and removed roles take effect at once', async ({
    client,
    assert,
  }) => {
    const { user, value } = await tokenFor(['admin'])
    const script = ApiSession.withToken(client, value)
    const me = await script.get('/api/v1/me')
    me.assertStatus(200)
    assert.deepEqual(me.body().data.roles, ['admin', 'scientist'])
    ;(await script.get('/api/v1/admin/experiments')).assertStatus(200)

    await UserRole.query().where('userId', user.id).where('role', 'admin').delete()
    const after = await script.get('/api/v1/me')
    assert.deepEqual(after.body().data.roles, ['scientist'])
    ;(await script.get('/api/v1/admin/experiments')).assertStatus(403)
  })

  test('a token of an account disabled or erased since is refused at once', async ({ client }) => {
    const { user, value } = await tokenFor()
    const script = ApiSession.withToken(client, value)
    ;(await script.get('/api/v1/me')).assertStatus(200)

    await db.from('users').where('id', user.id).update({ disabled: true })
    ;(await script.get('/api/v1/me')).assertStatus(403)

    await db.from('auth_access_tokens').where('tokenable_id', user.id).delete()
    ;(await script.get('/api/v1/me')).assertStatus(401)
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
