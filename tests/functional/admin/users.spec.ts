import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import app from '@adonisjs/core/services/app'
import AuditEvent from '#models/audit_event'
import Environment from '#models/environment'
import ExperimentMember from '#models/experiment_member'
import User from '#models/user'
import EnvironmentProvisioner from '#services/environments/environment_provisioner'
import { pseudonymOf } from '#services/accounts/user_erasure_service'
import NotificationService from '#services/notifications/notification_service'
import { createUser, FACTORY_PASSWORD, UserRoleFactory } from '#database/factories/user_factory'
import { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'
import { signIn } from '#tests/helpers/sign_in'
import { assertAdminOnly, type AdminCall } from '#tests/helpers/admin_only'
import { ExperimentFactory, ExperimentMemberFactory } from '#database/factories/experiment_factory'
import {
  createHttpImage,
  recordEnvironment,
  setUserQuota,
  waitForState,
} from '#tests/helpers/environments'

const USERS = '/api/v1/admin/users'

/** A stopped environment: it holds a slot but no engine object. */
async function stoppedEnvironment(userId: number) {
  const image = await createHttpImage()
  return recordEnvironment({ userId, imageId: image.id, storageBytes: 1024 })
}

async function tokenOf(browser: ApiSession) {
  const created = await browser.post('/api/v1/auth/tokens', { name: 'script', expiresInDays: 1 })
  created.assertStatus(201)
  return created.body().data.token as string
}

/** Every text column of every table of the portal's database, on either dialect. */
async function textColumns() {
  if (db.connection().dialect.name !== 'mysql') {
    // SQLite: any column may hold text whatever its declared type; scan them all.
    const tables = await db
      .from('sqlite_master')
      .where('type', 'table')
      .whereNot('name', 'like', 'sqlite_%')
      .select('name')
    const columns: { tableName: string; columnName: string }[] = []
    for (const { name } of tables) {
      const info = await db.rawQuery(`PRAGMA table_info(${JSON.stringify(name)})`)
      for (const column of info as { name: string }[]) {
        columns.push({ tableName: name, columnName: column.name })
      }
    }
    return columns
  }
  const rows = await db
    .from('information_schema.columns')
    .whereRaw('table_schema = DATABASE()')
    .whereIn('data_type', ['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'json'])
    .select('table_name as tableName', 'column_name as columnName')
  return rows as { tableName: string; columnName: string }[]
}

/** Where `value` occurs anywhere in the database, as "table.column". */
async function occurrences(value: string) {
  const found: string[] = []
  for (const { tableName, columnName } of await textColumns()) {
    const row = await db
      .from(tableName)
      .whereRaw('?? LIKE ?', [columnName, `%${value}%`])
      .count('* as total')
      .first()
    if (Number(row.total) > 0) {
      found.push(`${tableName}.${columnName}`)
    }
  }
  return found
}

test.group('Admin: users', (group) => {
  isolateEachTest(group)
  group.each.teardown(() => EnvironmentProvisioner.settle())

  test('an admin searches accounts by text, role, provider and disabled, page by page', async ({
    client,
    assert,
  }) => {
    const { browser } = await signIn(client)
    const alice = await createUser()
    alice.displayName = 'Alice Zyxwvut'
    await alice.save()
    const banned = await createUser({ disabled: true })
    const admin2 = await createUser({ roles: ['admin'] })

    const byName = await browser.get(`${USERS}?search=zyxwvu`)
    byName.assertStatus(200)
    assert.deepEqual(
      byName.body().data.map((user: any) => user.id),
      [alice.id]
    )
    assert.deepEqual(byName.body().data[0].roles, ['scientist'])
    assert.notProperty(byName.body().data[0], 'password')

    const byEmail = await browser.get(`${USERS}?search=${encodeURIComponent(banned.email!)}`)
    assert.deepEqual(
      byEmail.body().data.map((user: any) => user.id),
      [banned.id]
    )
    // LIKE wildcards are taken literally.
    assert.lengthOf((await browser.get(`${USERS}?search=%25`)).body().data, 0)

    const disabled = await browser.get(`${USERS}?disabled=true`)
    assert.deepEqual(
      disabled.body().data.map((user: any) => user.id),
      [banned.id]
    )
    const admins = (await browser.get(`${USERS}?role=admin&provider=local`)).body().data
    assert.includeMembers(
      admins.map((user: any) => user.id),
      [admin2.id]
    )
    assert.notInclude(
      admins.map((user: any) => user.id),
      alice.id
    )
    assert.lengthOf((await browser.get(`${USERS}?provider=saml`)).body().data, 0)

    const total = await User.query().count('* as total')
    const count = Number(total[0].$extras.total)
    const page = await browser.get(`${USERS}?perPage=1&page=2`)
    page.assertStatus(200)
    assert.lengthOf(page.body().data, 1)
    assert.include(page.body().meta, { total: count, perPage: 1, currentPage: 2, lastPage: count })
  })

  test('shows an account with its quota usage and environments not yet removed', async ({
    client,
    assert,
  }) => {
    const { browser } = await signIn(client)
    const owner = await createUser()
    await setUserQuota(owner.id, { environments: 4 })
    const parked = await stoppedEnvironment(owner.id)
    const gone = await stoppedEnvironment(owner.id)
    gone.state = 'removed'
    await gone.save()

    const shown = await browser.get(`${USERS}/${owner.id}`)
    shown.assertStatus(200)
    const data = shown.body().data
    assert.equal(data.username, owner.username)
    assert.isTrue(data.quota.custom)
    assert.equal(data.quota.limits.environments, 4)
    assert.include(data.quota.usage, { environments: 1, storageBytes: 1024, cpuMillicores: 0 })
    assert.equal(data.quota.available.environments, 3)
    assert.deepEqual(
      data.environments.map((environment: any) => environment.id),
      [parked.id]
    )
    assert.include(data.environments[0], {
      userId: owner.id,
      username: owner.username,
      endpoint: null,
    })
    assert.notInclude(JSON.stringify(data), 'not-a-real-secret')
  })

  test('replaces manual roles (scientist kept, SAML roles left), audited with the change', async ({
    client,
    assert,
  }) => {
    const { user: admin, browser } = await signIn(client)
    const target = await createUser()

    const granted = await browser.patch(`${USERS}/${target.id}`, { roles: ['admin'] })
    granted.assertStatus(200)
    assert.deepEqual(granted.body().data.roles, ['admin', 'scientist'])

    const taken = await browser.patch(`${USERS}/${target.id}`, { roles: [] })
    taken.assertStatus(200)
    assert.deepEqual(taken.body().data.roles, ['scientist'])

    // A role the IdP granted is the IdP's to take away.
    await UserRoleFactory.merge({ userId: target.id, role: 'admin', source: 'saml' }).create()
    const kept = await browser.patch(`${USERS}/${target.id}`, { roles: ['scientist'] })
    assert.deepEqual(kept.body().data.roles, ['admin', 'scientist'])

    // No change, no event.
    await browser.patch(`${USERS}/${target.id}`, { roles: ['admin'] })
    const events = await AuditEvent.query().where('action', 'user.update').orderBy('id', 'asc')
    assert.lengthOf(events, 2)
    assert.equal(events[0].actorId, admin.id)
    assert.equal(events[0].objectId, String(target.id))
    assert.deepEqual(events[0].details!.changes, {
      roles: { old: ['scientist'], new: ['admin', 'scientist'] },
    })
  })

  test('an admin cannot remove their own admin role, disable or erase themselves', async ({
    client,
    assert,
  }) => {
    const { user: admin, browser } = await signIn(client)
    for (const call of [
      () => browser.patch(`${USERS}/${admin.id}`, { roles: ['scientist'] }),
      () => browser.patch(`${USERS}/${admin.id}`, { disabled: true }),
      () => browser.delete(`${USERS}/${admin.id}`),
    ]) {
      const refused = await call()
      refused.assertStatus(409)
      assert.equal(refused.body().errors[0].code, 'E_CONFLICT')
    }
    const me = await User.query().where('id', admin.id).preload('roleRows').firstOrFail()
    assert.isTrue(me.isAdmin)
    assert.isFalse(me.disabled)
    // Keeping the admin role is fine.
    ;(await browser.patch(`${USERS}/${admin.id}`, { roles: ['admin'] })).assertStatus(200)
  })

  test('disabling ends the browser sessions and revokes the tokens of the account', async ({
    client,
    assert,
  }) => {
    const { browser: admin } = await signIn(client)
    const { user: victim, browser: victimBrowser } = await signIn(client, [])
    const token = await tokenOf(victimBrowser)
    const script = ApiSession.withToken(client, token)
    ;(await script.get('/api/v1/me')).assertStatus(200)

    assert.lengthOf(await db.from('sessions').where('user_id', String(victim.id)), 1)

    const disabled = await admin.patch(`${USERS}/${victim.id}`, { disabled: true })
    disabled.assertStatus(200)
    assert.isTrue(disabled.body().data.disabled)

    assert.lengthOf(await db.from('sessions').where('user_id', String(victim.id)), 0)
    assert.lengthOf(await db.from('auth_access_tokens').where('tokenable_id', victim.id), 0)
    ;(await victimBrowser.get('/api/v1/me')).assertStatus(401)
    ;(await script.get('/api/v1/me')).assertStatus(401)
    // Signing in again is refused while disabled.
    const again = new ApiSession(client)
    assert.notEqual((await again.login(victim.username, FACTORY_PASSWORD)).status(), 200)

    const event = await AuditEvent.query().where('action', 'user.update').firstOrFail()
    assert.deepEqual(event.details!.changes, { disabled: { old: false, new: true } })

    ;(await admin.patch(`${USERS}/${victim.id}`, { disabled: false })).assertStatus(200)
    ;(await again.login(victim.username, FACTORY_PASSWORD)).assertStatus(200)
  })

  test('unknown ids are 404 and bad input 422 with the field', async ({ client, assert }) => {
    const { browser } = await signIn(client)
    for (const call of [
      () => browser.get(`${USERS}/999999`),
      () => browser.patch(`${USERS}/999999`, { disabled: true }),
      () => browser.delete(`${USERS}/999999`),
    ]) {
      const missing = await call()
      missing.assertStatus(404)
      assert.equal(missing.body().errors[0].code, 'E_NOT_FOUND')
    }
    const target = await createUser()
    const cases: [() => Promise<any>, string][] = [
      [() => browser.get(`${USERS}/abc`), 'params.id'],
      [() => browser.get(`${USERS}?role=superuser`), 'role'],
      [() => browser.get(`${USERS}?disabled=yes`), 'disabled'],
      [() => browser.get(`${USERS}?perPage=1000`), 'perPage'],
      [() => browser.patch(`${USERS}/${target.id}`, { roles: ['root'] }), 'roles.0'],
      [() => browser.patch(`${USERS}/${target.id}`, { disabled: 'yes' }), 'disabled'],
      [() => browser.patch(`${USERS}/${target.id}`, { stopEnvironments: 1 }), 'stopEnvironments'],
    ]
    for (const [call, field] of cases) {
      const refused = await call()
      refused.assertStatus(422)
      assert.include(
        refused.body().errors.map((error: any) => error.field),
        field
      )
    }
  })

  test('a scientist is refused with 403 and an anonymous caller with 401 on every new route', async ({
    client,
    assert,
  }) => {
    const target = await createUser()
    const environment = await stoppedEnvironment(target.id)
    const { browser: scientist } = await signIn(client, [])
    const anonymous = new ApiSession(client)
    await anonymous.get('/api/v1/auth/csrf')

    const environments = '/api/v1/admin/environments'
    const calls: AdminCall[] = [
      ['GET users', (session) => session.get(USERS)],
      ['GET user', (session) => session.get(`${USERS}/${target.id}`)],
      ['PATCH user', (session) => session.patch(`${USERS}/${target.id}`, { disabled: true })],
      ['DELETE user', (session) => session.delete(`${USERS}/${target.id}`)],
      ['GET environments', (session) => session.get(environments)],
      ['POST stop', (session) => session.post(`${environments}/${environment.id}/stop`)],
      ['DELETE environment', (session) => session.delete(`${environments}/${environment.id}`)],
    ]
    await assertAdminOnly(assert, calls, { scientist, anonymous })
    const after = await User.findOrFail(target.id)
    assert.equal(after.username, target.username)
    assert.isFalse(after.disabled)
    assert.equal((await Environment.findOrFail(environment.id)).state, 'stopped')
  })

  test('erasure removes the environments and leaves no trace of the person in any table', async ({
    client,
    assert,
  }) => {
    const { user: admin, browser: adminBrowser } = await signIn(client)
    const victim = await createUser()
    victim.displayName = 'Erin Erasable-Quux'
    victim.externalId = 'ext-erasable-quux'
    await victim.save()
    const { username, email, displayName } = victim

    // Leave traces everywhere: a failed and a good sign-in, a token, a
    // membership, an admin's audited change, and a running environment.
    const victimBrowser = new ApiSession(client)
    await victimBrowser.login(username, 'wrong password')
    ;(await victimBrowser.login(username, FACTORY_PASSWORD)).assertStatus(200)
    await tokenOf(victimBrowser)
    const experiment = await ExperimentFactory.merge({
      proposalId: 'GDPR-1',
      title: 'x',
      source: 'local',
    }).create()
    await ExperimentMemberFactory.merge({
      experimentId: experiment.id,
      userId: victim.id,
      role: 'member',
      favorite: false,
      source: 'local',
    }).create()
    await adminBrowser.put(`/api/v1/admin/users/${victim.id}/quota`, {
      environments: 3,
      cpu: '2',
      memory: '1Gi',
      storage: '1Gi',
      gpus: 0,
    })
    const image = await createHttpImage()
    const created = await victimBrowser.post('/api/v1/environments', { imageId: image.id })
    created.assertStatus(202)
    const environmentId = created.body().data.id
    assert.equal((await waitForState(victimBrowser, environmentId, ['running'])).state, 'running')
    // A warning about it, with its e-mail queued (mail is on in tests): both name the person.
    const notifications = await app.container.make(NotificationService)
    await notifications.notify(victim, {
      kind: 'expiry_warning',
      environmentId,
      subject: `Dear ${displayName}, your environment expires soon`,
      body: 'Extend it.',
      link: null,
      dedupeKey: `erasure-${victim.id}`,
    })
    assert.isNotEmpty(await occurrences(username))
    assert.include(await occurrences(email!), 'mail_outbox.recipient')

    const erased = await adminBrowser.delete(`${USERS}/${victim.id}`)
    erased.assertStatus(204)
    await EnvironmentProvisioner.settle()

    const pseudonym = pseudonymOf(victim.id)
    assert.match(pseudonym, /^erased-[0-9a-f]{16}$/)
    const after = await User.query().where('id', victim.id).preload('roleRows').firstOrFail()
    assert.equal(after.username, pseudonym)
    assert.isNull(after.email)
    assert.isNull(after.displayName)
    assert.isNull(after.externalId)
    assert.isNull(after.password)
    assert.isTrue(after.disabled)
    assert.deepEqual(after.roles, [])
    assert.equal((await Environment.findOrFail(environmentId)).state, 'removed')
    assert.lengthOf(await ExperimentMember.query().where('user_id', victim.id), 0)
    assert.lengthOf(await db.from('notifications').where('user_id', victim.id), 0)
    ;(await victimBrowser.get('/api/v1/me')).assertStatus(401)

    for (const value of [username, email!, displayName!, 'ext-erasable-quux']) {
      assert.deepEqual(await occurrences(value), [], value)
    }
    const actorEvents = await AuditEvent.query().where('actor_id', victim.id)
    assert.isNotEmpty(actorEvents)
    assert.isTrue(actorEvents.every((event) => event.actorName === pseudonym))
    const event = await AuditEvent.query().where('action', 'user.erase').firstOrFail()
    assert.equal(event.actorId, admin.id)
    assert.equal(event.objectId, String(victim.id))
    assert.equal(event.details!.username, pseudonym)

    // The pseudonym is stable, and erasing again changes nothing about it.
    ;(await adminBrowser.delete(`${USERS}/${victim.id}`)).assertStatus(204)
    assert.equal((await User.findOrFail(victim.id)).username, pseudonym)
  })
})
