import { DateTime } from 'luxon'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import encryption from '@adonisjs/core/services/encryption'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import Environment from '#models/environment'
import EnvironmentAccess from '#models/environment_access'
import type Image from '#models/image'
import accessConfig from '#config/access'
import AccessBrokers from '#services/access/access_brokers'
import GuacamoleJsonBroker from '#services/access/guacamole_json_broker'
import type { AccessTarget } from '#services/access/access_broker'
import GuacamoleDbBroker, {
  GUACAMOLE_CONNECTION,
  GUACAMOLE_CREDENTIALS_LIFETIME_MS,
  guacamolePasswordHash,
} from '#services/access/guacamole_db_broker'
import EnvironmentReconciler from '#services/environments/environment_reconciler'
import AccessUnavailableException from '#exceptions/access_unavailable_exception'
import AccessRejectedException from '#exceptions/access_rejected_exception'
import env from '#start/env'
import { createUser } from '#database/factories/user_factory'
import { createHttpImage } from '#tests/helpers/environments'
import { isolateEachTest } from '#tests/helpers/isolation'
import { EnvironmentFactory } from '#database/factories/environment_factory'
import {
  clearGuacamoleRecords,
  fakeGuacamole,
  guacamoleRowsOf,
} from '#tests/helpers/fake_guacamole'

const guacamole = () => db.connection(GUACAMOLE_CONNECTION)

let nextPort = 40_000

/** A running environment row (no container: the broker only reads the record). */
async function runningEnvironment(image: Image) {
  const user = await createUser()
  const secret = `secret-${Math.random().toString(36).slice(2)}`
  const environment = await EnvironmentFactory.merge({
    userId: user.id,
    imageId: image.id,
    name: 'broker test',
    driver: 'docker',
    state: 'running',
    secret: encryption.encrypt(secret),
    endpointHost: '10.11.12.13',
    endpointPort: nextPort++,
    cpuMillicores: 250,
    memoryBytes: 64 * 1024 * 1024,
    storageBytes: 0,
    gpus: 0,
    expiresAt: DateTime.utc().plus({ hours: 2 }),
  }).create()
  return { environment, secret }
}

function targetOf(environment: Environment, secret: string, image: Image): AccessTarget {
  return {
    environmentId: environment.id,
    userId: environment.userId,
    protocol: image.protocol as AccessTarget['protocol'],
    host: environment.endpointHost!,
    port: environment.endpointPort!,
    secret,
    username: 'portal',
    expiresAt: environment.expiresAt,
  }
}

/** Leaves every value to Guacamole's database to judge. */
class UncheckedBroker extends GuacamoleDbBroker {
  protected assertStorable() {}
}

/** The Guacamole test database's name (scripts/test.sh, per slot). */
function accessConfigDatabase() {
  return env.get('GUACAMOLE_DB_DATABASE', 'guacamole')
}

/** Makes the parameter insert fail half-way through the grant's transaction. */
class FailingParametersBroker extends GuacamoleDbBroker {
  protected async insertParameters(trx: TransactionClientContract, connectionId: number) {
    const row = { connection_id: connectionId, parameter_name: 'hostname', parameter_value: 'x' }
    await trx.table('guacamole_connection_parameter').multiInsert([row, row])
  }
}

test.group('Guacamole password hash', () => {
  test('matches the documented test vector (upper-case hex salt)', ({ assert }) => {
    const salt = Buffer.from(
      'FE24ADC5E11E2B25288D1704ABE67A79E342ECC26064CE69C5B3177795A82264',
      'hex'
    )
    assert.equal(
      guacamolePasswordHash('guacadmin', salt).toString('hex').toUpperCase(),
      'CA458A7D494E3BE824F5E1E175A1556C0F8EEF2C2D7DF3633BEC4A29C4411960'
    )
  })
})

test.group('Guacamole DB broker (JDBC schema 1.x, real MySQL)', (group) => {
  isolateEachTest(group)
  group.each.teardown(() => clearGuacamoleRecords())

  test('a grant writes exactly entity, user with READ on itself, connection, parameters and READ', async ({
    assert,
  }) => {
    const broker = await app.container.make(GuacamoleDbBroker)
    const image = await createHttpImage({ protocol: 'vnc', port: 5901 })
    const { environment, secret } = await runningEnvironment(image)

    const grant = await broker.grant({
      ...targetOf(environment, secret, image),
      ownerName: 'Ada Lovelace',
    })
    const credentials = grant.credentials as { username: string; password: string }
    assert.match(credentials.username, new RegExp(`^portal-test-env-${environment.id}-[0-9a-f]+$`))
    assert.isAtLeast(credentials.password.length, 32)

    const rows = await guacamoleRowsOf(environment.id)
    assert.lengthOf(rows.entities, 1)
    assert.include(rows.entities[0], { name: credentials.username, type: 'USER' })
    assert.lengthOf(rows.users, 1)
    const user = rows.users[0]
    assert.equal(Buffer.from(user.password_salt).length, 32)
    assert.deepEqual(
      Buffer.from(user.password_hash),
      guacamolePasswordHash(credentials.password, Buffer.from(user.password_salt))
    )
    assert.equal(Number(user.disabled), 0)
    assert.equal(Number(user.expired), 0)
    assert.equal(user.full_name, 'Ada Lovelace')
    // As Guacamole's own user creation does: the user may read itself (its profile, its name).
    assert.deepEqual(
      rows.userPermissions.map((row) => [row.entity_id, row.affected_user_id, row.permission]),
      [[rows.entities[0].entity_id, user.user_id, 'READ']]
    )

    assert.lengthOf(rows.connections, 1)
    const connection = rows.connections[0]
    assert.include(connection, { protocol: 'vnc', parent_id: null })
    assert.include(connection.connection_name, `portal-test-env-${environment.id}-`)
    assert.equal(
      grant.clientId,
      Buffer.from(`${connection.connection_id}\0c\0mysql`).toString('base64url')
    )
    assert.deepEqual(
      rows.parameters.map((row) => [row.parameter_name, row.parameter_value]),
      [
        ['hostname', '10.11.12.13'],
        ['password', secret],
        ['port', String(environment.endpointPort)],
      ]
    )
    assert.deepEqual(
      rows.permissions.map((row) => [row.entity_id, row.connection_id, row.permission]),
      [[rows.entities[0].entity_id, connection.connection_id, 'READ']]
    )

    const remembered = await EnvironmentAccess.findByOrFail('environment_id', environment.id)
    assert.notInclude(remembered.guacamolePassword, credentials.password)
    assert.equal(encryption.decrypt(remembered.guacamolePassword), credentials.password)
    assert.equal(remembered.guacamoleConnectionId, connection.connection_id)

    // Asked again with the same endpoint: the same records, a new password; the old one is dead.
    assert.equal((await fakeGuacamole.authenticate(credentials)).status, 200)
    const again = await broker.grant(targetOf(environment, secret, image))
    const renewed = again.credentials as { username: string; password: string }
    assert.equal(again.clientId, grant.clientId)
    assert.equal(renewed.username, credentials.username)
    assert.notEqual(renewed.password, credentials.password)
    assert.equal((await fakeGuacamole.authenticate(credentials)).status, 403)
    assert.equal((await fakeGuacamole.authenticate(renewed)).status, 200)
    const after = await guacamoleRowsOf(environment.id)
    assert.lengthOf(after.entities, 1)
    assert.lengthOf(after.connections, 1)
    assert.lengthOf(after.userPermissions, 1)
    assert.equal(after.connections[0].connection_id, connection.connection_id)
    assert.equal(
      encryption.decrypt(
        (await EnvironmentAccess.findByOrFail('environment_id', environment.id)).guacamolePassword
      ),
      renewed.password
    )
  })

  test('RDP and SSH connections carry username, password and the RDP security settings', async ({
    assert,
  }) => {
    const broker = await app.container.make(GuacamoleDbBroker)
    for (const protocol of ['rdp', 'ssh'] as const) {
      const image = await createHttpImage({ protocol, port: protocol === 'rdp' ? 3389 : 22 })
      const { environment, secret } = await runningEnvironment(image)
      await broker.grant(targetOf(environment, secret, image))
      const parameters = Object.fromEntries(
        (await guacamoleRowsOf(environment.id)).parameters.map((row) => [
          row.parameter_name,
          row.parameter_value,
        ])
      )
      const expected: Record<string, string> = {
        hostname: '10.11.12.13',
        port: String(environment.endpointPort),
        username: 'portal',
        password: secret,
      }
      if (protocol === 'rdp') {
        Object.assign(expected, { 'security': 'any', 'ignore-cert': 'true' })
      }
      assert.deepEqual(parameters, expected)
    }
  })

  test('revoking removes every row by cascade and keeps the history', async ({ assert }) => {
    const broker = await app.container.make(GuacamoleDbBroker)
    const image = await createHttpImage({ protocol: 'vnc', port: 5901 })
    const { environment, secret } = await runningEnvironment(image)
    const grant = await broker.grant(targetOf(environment, secret, image))
    const before = await guacamoleRowsOf(environment.id)
    await guacamole()
      .table('guacamole_connection_history')
      .insert({
        user_id: before.users[0].user_id,
        username: (grant.credentials as { username: string }).username,
        connection_id: before.connections[0].connection_id,
        connection_name: before.connections[0].connection_name,
        start_date: new Date(),
      })

    await broker.revoke(environment.id)
    const after = await guacamoleRowsOf(environment.id)
    assert.deepEqual(
      [
        after.entities,
        after.connections,
        after.users,
        after.parameters,
        after.permissions,
        after.userPermissions,
      ].map((rows) => rows.length),
      [0, 0, 0, 0, 0, 0]
    )
    const selfPermissions = await guacamole()
      .from('guacamole_user_permission')
      .where('affected_user_id', before.users[0].user_id)
    assert.lengthOf(selfPermissions, 0)
    const orphans = await guacamole()
      .from('guacamole_connection_parameter')
      .where('connection_id', before.connections[0].connection_id)
    assert.lengthOf(orphans, 0)
    const history = await guacamole()
      .from('guacamole_connection_history')
      .where('connection_name', before.connections[0].connection_name)
    assert.lengthOf(history, 1)
    assert.isNull(history[0].connection_id)
    assert.isNull(history[0].user_id)
    assert.isNull(await EnvironmentAccess.findBy('environment_id', environment.id))
    await broker.revoke(environment.id) // idempotent
  })

  test('a failure half-way through leaves no partial rows', async ({ assert }) => {
    const broker = new FailingParametersBroker()
    const image = await createHttpImage({ protocol: 'vnc', port: 5901 })
    const { environment, secret } = await runningEnvironment(image)
    const entitiesBefore = await guacamole().from('guacamole_entity').count('* as total')

    await assert.rejects(
      () => broker.grant(targetOf(environment, secret, image)),
      AccessUnavailableException
    )
    const rows = await guacamoleRowsOf(environment.id)
    assert.lengthOf(rows.entities, 0)
    assert.lengthOf(rows.connections, 0)
    assert.deepEqual(await guacamole().from('guacamole_entity').count('* as total'), entitiesBefore)
    assert.isNull(await EnvironmentAccess.findBy('environment_id', environment.id))
  })

  test('ten concurrent grants make ten distinct users, connections and passwords', async ({
    assert,
  }) => {
    const broker = await app.container.make(GuacamoleDbBroker)
    const image = await createHttpImage({ protocol: 'vnc', port: 5901 })
    const environments = []
    for (let index = 0; index < 10; index++) {
      environments.push(await runningEnvironment(image))
    }
    const grants = await Promise.all(
      environments.map(({ environment, secret }) =>
        broker.grant(targetOf(environment, secret, image))
      )
    )
    const credentials = grants.map(
      (grant) => grant.credentials as { username: string; password: string }
    )
    assert.equal(new Set(credentials.map((entry) => entry.username)).size, 10)
    assert.equal(new Set(credentials.map((entry) => entry.password)).size, 10)
    assert.equal(new Set(grants.map((grant) => grant.clientId)).size, 10)
    for (const { environment, secret } of environments) {
      const rows = await guacamoleRowsOf(environment.id)
      assert.lengthOf(rows.entities, 1)
      assert.lengthOf(rows.connections, 1)
      assert.equal(
        rows.parameters.find((row) => row.parameter_name === 'password')?.parameter_value,
        secret
      )
    }
  })

  test('a changed endpoint replaces the records; the old user is gone', async ({ assert }) => {
    const broker = await app.container.make(GuacamoleDbBroker)
    const image = await createHttpImage({ protocol: 'vnc', port: 5901 })
    const { environment, secret } = await runningEnvironment(image)
    const first = await broker.grant(targetOf(environment, secret, image))
    environment.endpointPort = nextPort++
    const second = await broker.grant(targetOf(environment, secret, image))
    assert.notEqual(second.clientId, first.clientId)
    const rows = await guacamoleRowsOf(environment.id)
    assert.lengthOf(rows.entities, 1)
    assert.equal(rows.entities[0].name, (second.credentials as { username: string }).username)
    assert.equal(
      rows.parameters.find((row) => row.parameter_name === 'port')?.parameter_value,
      String(environment.endpointPort)
    )
  })

  test('the reconciler removes records whose environment is gone or not running', async ({
    assert,
  }) => {
    const broker = await app.container.make(GuacamoleDbBroker)
    const image = await createHttpImage({ protocol: 'vnc', port: 5901 })
    const kept = await runningEnvironment(image)
    const stopped = await runningEnvironment(image)
    const gone = await runningEnvironment(image)
    for (const { environment, secret } of [kept, stopped, gone]) {
      await broker.grant(targetOf(environment, secret, image))
    }
    // Behind the portal's back (no transition hook): a crash, a manual edit.
    await Environment.query().where('id', stopped.environment.id).update({ state: 'stopped' })
    await EnvironmentAccess.query().where('environment_id', gone.environment.id).delete()
    await Environment.query().where('id', gone.environment.id).delete()

    // The sweep alone keeps the running one…
    const brokers = await app.container.make(AccessBrokers)
    assert.equal(await brokers.sweep(), 2)
    assert.lengthOf((await guacamoleRowsOf(kept.environment.id)).connections, 1)
    for (const { environment } of [stopped, gone]) {
      const rows = await guacamoleRowsOf(environment.id)
      assert.lengthOf(rows.entities, 0)
      assert.lengthOf(rows.connections, 0)
    }

    // …and the reconciler runs it (the "running" one has no container: it fails, access goes).
    const deleted = await runningEnvironment(image)
    await broker.grant(targetOf(deleted.environment, deleted.secret, image))
    await Environment.query().where('id', deleted.environment.id).delete()
    await (await app.container.make(EnvironmentReconciler)).run()
    assert.lengthOf((await guacamoleRowsOf(deleted.environment.id)).entities, 0)
    assert.lengthOf((await guacamoleRowsOf(deleted.environment.id)).connections, 0)
    assert.lengthOf((await guacamoleRowsOf(kept.environment.id)).connections, 0)
    assert.equal((await Environment.findOrFail(kept.environment.id)).state, 'failed')
  })
})

test.group('Guacamole DB broker: what Guacamole can store, and records left behind', (group) => {
  isolateEachTest(group)
  group.each.teardown(() => clearGuacamoleRecords())

  test('the schema under test declares every table utf8 (3 bytes) like Guacamole 1.6', async ({
    assert,
  }) => {
    const tables = await guacamole()
      .from('information_schema.TABLES')
      .where('TABLE_SCHEMA', accessConfigDatabase())
      .select('TABLE_NAME as name', 'TABLE_COLLATION as collation')
    assert.lengthOf(tables, 23)
    for (const table of tables) {
      assert.match(table.collation, /^utf8mb3_/, table.name)
    }
  })

  test("a value Guacamole's database itself refuses is permanent (409), and nothing is left", async ({
    assert,
  }) => {
    // Without the broker's own check, as when a production schema is narrower than expected.
    const broker = new UncheckedBroker()
    const image = await createHttpImage({ protocol: 'ssh', port: 22 })
    const { environment, secret } = await runningEnvironment(image)
    const error = await broker
      .grant({ ...targetOf(environment, secret, image), username: 'anna\u{1F52C}' })
      .catch((caught) => caught)
    assert.instanceOf(error, AccessRejectedException)
    assert.equal(error.status, 409)
    assert.deepEqual(error.meta, { setting: null, problem: 'characters' })
    const rows = await guacamoleRowsOf(environment.id)
    assert.lengthOf(rows.entities, 0)
    assert.lengthOf(rows.connections, 0)

    // Too long for parameter_value varchar(4096): also permanent.
    const long = await broker
      .grant({ ...targetOf(environment, secret, image), username: 'a'.repeat(4097) })
      .catch((caught) => caught)
    assert.instanceOf(long, AccessRejectedException)
    assert.equal(long.meta.problem, 'length')
    assert.isNull(await EnvironmentAccess.findBy('environment_id', environment.id))
  })

  test('a display name with characters Guacamole lacks is stored with a replacement character', async ({
    assert,
  }) => {
    const broker = await app.container.make(GuacamoleDbBroker)
    const image = await createHttpImage({ protocol: 'vnc', port: 5901 })
    const { environment, secret } = await runningEnvironment(image)
    await broker.grant({
      ...targetOf(environment, secret, image),
      ownerName: `Ren\u00e9e \u{1F52C}\u0007Lab ${'x'.repeat(300)}`,
    })
    const [user] = (await guacamoleRowsOf(environment.id)).users
    assert.equal(user.full_name, `Ren\u00e9e \uFFFDLab ${'x'.repeat(256 - 11)}`)
  })

  test('credentials unused for ten minutes stop working; the running environment keeps its records', async ({
    assert,
  }) => {
    const broker = await app.container.make(GuacamoleDbBroker)
    const image = await createHttpImage({ protocol: 'vnc', port: 5901 })
    const { environment, secret } = await runningEnvironment(image)
    const fresh = await runningEnvironment(image)
    const grant = await broker.grant(targetOf(environment, secret, image))
    const kept = await broker.grant(targetOf(fresh.environment, fresh.secret, image))
    const credentials = grant.credentials as { username: string; password: string }
    const [user] = (await guacamoleRowsOf(environment.id)).users
    await guacamole()
      .from('guacamole_user')
      .where('user_id', user.user_id)
      .update({ password_date: new Date(Date.now() - GUACAMOLE_CREDENTIALS_LIFETIME_MS - 1000) })

    assert.equal(await broker.sweep(), 0)
    assert.equal((await fakeGuacamole.authenticate(credentials)).status, 403)
    assert.equal(
      (await fakeGuacamole.authenticate(kept.credentials as Record<string, string>)).status,
      200
    )
    const rows = await guacamoleRowsOf(environment.id)
    assert.lengthOf(rows.connections, 1)
    // The next access works again, with the same connection.
    const again = await broker.grant(targetOf(environment, secret, image))
    assert.equal(again.clientId, grant.clientId)
    assert.equal(
      (await fakeGuacamole.authenticate(again.credentials as Record<string, string>)).status,
      200
    )
  })

  for (const next of ['guacamole-json', 'none'] as const) {
    test(`after ACCESS_BROKER moves from guacamole-db to ${next}, the sweep removes what it left`, async ({
      assert,
      cleanup,
    }) => {
      const broker = await app.container.make(GuacamoleDbBroker)
      const image = await createHttpImage({ protocol: 'vnc', port: 5901 })
      const running = await runningEnvironment(image)
      const stopping = await runningEnvironment(image)
      const grants = []
      for (const { environment, secret } of [running, stopping]) {
        grants.push(await broker.grant(targetOf(environment, secret, image)))
      }
      // A record whose portal row was lost (a crash between the two databases).
      const orphan = await runningEnvironment(image)
      await broker.grant(targetOf(orphan.environment, orphan.secret, image))
      await EnvironmentAccess.query().where('environment_id', orphan.environment.id).delete()

      const previous = accessConfig.broker
      accessConfig.broker = next
      cleanup(() => {
        accessConfig.broker = previous
      })
      const brokers = await app.container.make(AccessBrokers)
      // Leaving "running" revokes through the database broker, whichever is configured now.
      await brokers.onTransition(stopping.environment.id, 'stopping')
      assert.lengthOf((await guacamoleRowsOf(stopping.environment.id)).entities, 0)

      // The reconciler's sweep: the running environment's records go too (they no longer open).
      assert.equal(await brokers.sweep(), 2)
      for (const { environment } of [running, stopping, orphan]) {
        const rows = await guacamoleRowsOf(environment.id)
        assert.lengthOf(rows.entities, 0)
        assert.lengthOf(rows.connections, 0)
      }
      assert.lengthOf(await EnvironmentAccess.all(), 0)
      for (const grant of grants) {
        assert.equal(
          (await fakeGuacamole.authenticate(grant.credentials as Record<string, string>)).status,
          403
        )
      }
      // Nothing remembered any more: the sweep does not even ask Guacamole's database.
      assert.equal(await brokers.sweep(), 0)
    })
  }
})

test.group('Guacamole JSON broker against the fake Guacamole', () => {
  test('the blob is exchanged once, and not after the environment expired', async ({ assert }) => {
    const broker = new GuacamoleJsonBroker(accessConfig.guacamole.jsonSecret)
    const target: AccessTarget = {
      environmentId: 7,
      userId: 1,
      protocol: 'vnc',
      host: '10.0.0.9',
      port: 5901,
      secret: 'vnc-secret',
      username: 'portal',
      expiresAt: DateTime.utc().plus({ hours: 1 }),
    }
    const { credentials } = await broker.grant(target)
    const first = await fakeGuacamole.authenticate(credentials as { data: string })
    assert.equal(first.status, 200)
    assert.equal(first.body.dataSource, 'json')
    assert.equal((await fakeGuacamole.authenticate(credentials as { data: string })).status, 403)

    const expired = await broker.grant({
      ...target,
      expiresAt: DateTime.utc().minus({ minutes: 1 }),
    })
    assert.equal(
      (await fakeGuacamole.authenticate(expired.credentials as { data: string })).status,
      403
    )
  })
})
