import { createHmac } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { DateTime } from 'luxon'
import { test } from '@japa/runner'
import type { ApiClient } from '@japa/api-client'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import { appKey } from '#config/app'
import AuditEvent from '#models/audit_event'
import Environment from '#models/environment'
import EnvironmentEvent from '#models/environment_event'
import type Image from '#models/image'
import User from '#models/user'
import UserRole from '#models/user_role'
import { QuotaDefault, UserQuota } from '#models/quota_limits'
import type { EnvironmentState } from '#domain/environment_states'
import EnvironmentService from '#services/environments/environment_service'
import RequestOrigin from '#services/request_origin'
import DockerDriver from '#services/provisioning/docker_driver'
import { createUser, UserFactory, UserRoleFactory } from '#database/factories/user_factory'
import { ApiSession } from '#tests/helpers/api_session'
import { createHttpImage, recordEnvironment, setUserQuota } from '#tests/helpers/environments'
import { aceInProcess, commandOutput, type CommandResult } from '#tests/helpers/ace_in_process'
import { runAce, scratchDir } from '#tests/helpers/portal_process'
import {
  EnvironmentFactory,
  EnvironmentEventFactory,
} from '#database/factories/environment_factory'
import { AuditEventFactory } from '#database/factories/audit_event_factory'
import { ImageFactory } from '#database/factories/image_factory'

type Cleanup = (fn: () => void | Promise<void>) => void

const GIB = 2 ** 30

/** The app key of the real processes' SQLite portal. */
const SQLITE_APP_KEY = 'admin-commands-test-app-key-0123456789abcdef'

/**
 * The commands run in this process (tests/helpers/ace_in_process.ts), on
 * the run's MySQL database, Docker engine and Guacamole database. One
 * test starts real `node ace` processes, for what only they show: stdout,
 * stderr and the exit code.
 */
function ace(name: string, ...args: string[]) {
  return aceInProcess(name, args)
}

const output = commandOutput

/** Exit code 1 with one error line mentioning `text`. */
function assertRefused(assert: any, result: CommandResult, text: string | RegExp) {
  assert.equal(result.code, 1, output(result))
  const lines = result.stderr.trim().split('\n')
  assert.lengthOf(lines, 1, result.stderr)
  if (typeof text === 'string') {
    assert.include(lines[0], text)
  } else {
    assert.match(lines[0], text)
  }
}

/** Exit code 0 and stdout as JSON (nothing else may be on stdout). */
function jsonOf(assert: any, result: CommandResult) {
  assert.equal(result.code, 0, output(result))
  return JSON.parse(result.stdout)
}

/** The id of the newest audit event: the events a command writes come after it. */
async function auditMark() {
  const row = await db.from('audit_events').max('id as id').first()
  return Number(row?.id ?? 0)
}

function auditSince(mark: number) {
  return AuditEvent.query().where('id', '>', mark).orderBy('id', 'asc')
}

/** How every command's audit event names its actor: nobody, from "ace" (as user:create). */
const OPERATOR = { actorId: null, actorName: null, clientIp: null, userAgent: 'ace' }

async function adminApi(client: ApiClient, cleanup: Cleanup) {
  const admin = await createUser({ roles: ['admin'] })
  cleanup(() =>
    User.query()
      .where('id', admin.id)
      .delete()
      .then(() => {})
  )
  const token = (await User.accessTokens.create(admin, ['*'], { name: 'compare' })).value!
  return ApiSession.withToken(client, token.release())
}

/** A running environment of `user`, provisioned in this process on the real engine. */
async function runningEnvironment(user: User, image: Image, cleanup: Cleanup) {
  const environments = await app.container.make(EnvironmentService)
  const environment = await environments.requisition(
    user,
    { imageId: image.id },
    RequestOrigin.cli()
  )
  cleanup(async () => {
    const driver = await app.container.make(DockerDriver)
    await driver.remove(environment.id)
  })
  await waitForState(environment.id, ['running'])
  return environment
}

async function waitForState(id: number, states: EnvironmentState[], timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs
  let environment = await Environment.findOrFail(id)
  while (!states.includes(environment.state) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 150))
    environment = await Environment.findOrFail(id)
  }
  if (!states.includes(environment.state)) {
    throw new Error(`environment ${id} stayed ${environment.state}: ${environment.failureReason}`)
  }
  return environment
}

/** Deletes users (their environments first) and images made by a test. */
function forget(cleanup: Cleanup, users: () => User[], images: () => Image[] = () => []) {
  cleanup(async () => {
    const ids = users().map((user) => user.id)
    await db.from('environments').whereIn('user_id', ids).delete()
    await db.from('users').whereIn('id', ids).delete()
    await db
      .from('images')
      .whereIn(
        'id',
        images().map((image) => image.id)
      )
      .delete()
  })
}

test.group('ace users:list, user:disable, user:enable, user:role', (group) => {
  group.each.timeout(180_000)

  test('lists accounts with the endpoint filters, as a table or JSON', async ({
    assert,
    cleanup,
  }) => {
    const tag = `lst${Date.now()}`
    const alice = await createUser({ username: `${tag}alice` })
    const bob = await createUser({ username: `${tag}bob`, roles: ['admin'], disabled: true })
    forget(cleanup, () => [alice, bob])

    const [all, disabledAdmins, enabled, table, badRole] = await Promise.all([
      ace('users:list', `--search=${tag}`, '--json'),
      ace('users:list', `--search=${tag}`, '--role=admin', '--disabled', '--json'),
      ace('users:list', `--search=${tag}`, '--no-disabled', '--json'),
      ace('users:list', `--search=${tag}`),
      ace('users:list', '--role=wizard'),
    ])

    const listed = jsonOf(assert, all).data
    assert.deepEqual(
      listed.map((user: any) => user.username),
      [alice.username, bob.username]
    )
    assert.containsSubset(listed[1], {
      id: bob.id,
      provider: 'local',
      disabled: true,
      roles: ['admin', 'scientist'],
      email: bob.email,
    })
    assert.notProperty(listed[0], 'password')
    assert.deepEqual(
      jsonOf(assert, disabledAdmins).data.map((user: any) => user.id),
      [bob.id]
    )
    assert.deepEqual(
      jsonOf(assert, enabled).data.map((user: any) => user.id),
      [alice.id]
    )
    assert.equal(table.code, 0, output(table))
    assert.include(table.stdout, alice.username)
    assert.include(table.stdout, bob.email!)
    assertRefused(assert, badRole, 'role')
  })

  test('disables (ending access and stopping environments), enables and changes the admin role, audited', async ({
    assert,
    cleanup,
  }) => {
    const alice = await createUser({ username: `dis${Date.now()}alice` })
    const image = await createHttpImage()
    forget(
      cleanup,
      () => [alice],
      () => [image]
    )
    await setUserQuota(alice.id)
    await User.accessTokens.create(alice, ['*'], { name: 'script' })
    const environment = await runningEnvironment(alice, image, cleanup)

    let mark = await auditMark()
    const disabled = await ace('user:disable', alice.username, '--stop-environments')
    assert.equal(disabled.code, 0, output(disabled))
    assert.include(disabled.stdout, `Disabled user "${alice.username}"`)
    await alice.refresh()
    assert.isTrue(alice.disabled)
    assert.lengthOf(await db.from('auth_access_tokens').where('tokenable_id', alice.id), 0)
    assert.equal((await Environment.findOrFail(environment.id)).state, 'stopped')
    const disableEvents = await auditSince(mark)
    assert.deepEqual(
      disableEvents.map((event) => event.action),
      ['environment.stop', 'user.update']
    )
    assert.containsSubset(disableEvents[0], {
      ...OPERATOR,
      objectId: String(environment.id),
      details: { ownerId: alice.id, ownerUsername: alice.username },
    })
    assert.containsSubset(disableEvents[1], {
      ...OPERATOR,
      objectType: 'user',
      objectId: String(alice.id),
      outcome: 'success',
      details: {
        username: alice.username,
        changes: { disabled: { old: false, new: true } },
        stoppedEnvironments: [environment.id],
      },
    })

    mark = await auditMark()
    const enabled = await ace('user:enable', alice.username)
    assert.equal(enabled.code, 0, output(enabled))
    await alice.refresh()
    assert.isFalse(alice.disabled)

    const granted = await ace('user:role', alice.username, '--admin')
    assert.equal(granted.code, 0, output(granted))
    assert.include(granted.stdout, 'admin, scientist')
    const roles = () =>
      UserRole.query()
        .where('user_id', alice.id)
        .orderBy('role')
        .then((rows) => rows.map((row) => row.role))
    assert.deepEqual(await roles(), ['admin', 'scientist'])

    const revoked = await ace('user:role', alice.username, '--no-admin')
    assert.equal(revoked.code, 0, output(revoked))
    assert.deepEqual(await roles(), ['scientist'])

    const events = await auditSince(mark)
    assert.deepEqual(
      events.map((event) => [event.action, event.details?.changes]),
      [
        ['user.update', { disabled: { old: true, new: false } }],
        ['user.update', { roles: { old: ['scientist'], new: ['admin', 'scientist'] } }],
        ['user.update', { roles: { old: ['admin', 'scientist'], new: ['scientist'] } }],
      ]
    )
    assert.isTrue(events.every((event) => event.actorId === null && event.userAgent === 'ace'))

    // A role the SAML IdP grants is not the command's to take away.
    await UserRoleFactory.merge({ userId: alice.id, role: 'admin', source: 'saml' }).create()
    mark = await auditMark()
    const [idpRole, noFlag, unknown, unknownEnable] = await Promise.all([
      ace('user:role', alice.username, '--no-admin'),
      ace('user:role', alice.username),
      ace('user:disable', 'nobody-by-this-name'),
      ace('user:enable', 'nobody-by-this-name'),
    ])
    assertRefused(assert, idpRole, 'identity provider')
    assertRefused(assert, noFlag, '--admin')
    assertRefused(assert, unknown, 'User "nobody-by-this-name" not found')
    assertRefused(assert, unknownEnable, 'User "nobody-by-this-name" not found')
    assert.lengthOf(await auditSince(mark), 0)
  })
})

test.group('ace user:erase', (group) => {
  group.each.timeout(180_000)

  test('refuses without --force, then erases through the erasure service', async ({
    assert,
    cleanup,
  }) => {
    const carol = await createUser({ username: `era${Date.now()}carol` })
    forget(cleanup, () => [carol])
    const before = await AuditEventFactory.merge({
      occurredAt: DateTime.utc(),
      actorId: carol.id,
      actorName: carol.username,
      action: 'auth.login',
      outcome: 'success',
      objectType: 'user',
      objectId: String(carol.id),
      clientIp: null,
      userAgent: null,
      requestId: null,
      details: { email: carol.email },
    }).create()

    const mark = await auditMark()
    const [refused, unknown] = await Promise.all([
      ace('user:erase', carol.username),
      ace('user:erase', 'nobody-by-this-name', '--force'),
    ])
    assertRefused(assert, refused, '--force')
    assertRefused(assert, unknown, 'not found')
    await carol.refresh()
    assert.isFalse(carol.disabled)
    assert.lengthOf(await auditSince(mark), 0)

    const erased = await ace('user:erase', carol.username, '--force')
    assert.equal(erased.code, 0, output(erased))
    const digest = createHmac('sha256', appKey.release()).update(`user:${carol.id}`).digest('hex')
    const pseudonym = `erased-${digest.slice(0, 16)}`
    assert.include(erased.stdout, pseudonym)

    await carol.refresh()
    assert.containsSubset(carol.serialize(), {
      username: pseudonym,
      email: null,
      displayName: null,
      disabled: true,
    })
    assert.lengthOf(await UserRole.query().where('user_id', carol.id), 0)
    await before.refresh()
    assert.equal(before.actorName, pseudonym)
    // The factory's e-mail address contains the username: replaced whole.
    assert.deepEqual(before.details, { email: pseudonym })

    const events = await auditSince(mark)
    assert.lengthOf(events, 1)
    assert.containsSubset(events[0], {
      ...OPERATOR,
      action: 'user.erase',
      objectId: String(carol.id),
      details: { username: pseudonym, removedEnvironments: [] },
    })
  })
})

test.group('ace quota:show, quota:set, quota:reset', (group) => {
  group.each.timeout(180_000)

  test('sets, shows and resets quotas with the API units, reporting overLimit, audited', async ({
    assert,
    cleanup,
  }) => {
    const dave = await createUser({ username: `quo${Date.now()}dave` })
    const image = await createHttpImage()
    forget(
      cleanup,
      () => [dave],
      () => [image]
    )
    // The stored site default is shared by the whole run: put back what was there.
    const storedDefault = await QuotaDefault.find(1)
    cleanup(async () => {
      await db.from('quota_defaults').delete()
      if (storedDefault) {
        await QuotaDefault.create(storedDefault.$attributes)
      }
    })
    // A stopped environment holds a slot and 10 GiB of storage, no compute.
    await recordEnvironment({ userId: dave.id, imageId: image.id, storageBytes: 10 * GIB })

    let mark = await auditMark()
    const limits = [`--cpu=1.5`, `--memory=512Mi`, `--storage=1Gi`, `--gpus=0`]
    const [setJson, bad, missing, ghost, siteBefore] = await Promise.all([
      ace('quota:set', `--user=${dave.username}`, '--environments=0', ...limits, '--json'),
      ace(
        'quota:set',
        `--user=${dave.username}`,
        '--environments=1',
        '--cpu=lots',
        '--memory=1Gi',
        '--storage=1Gi',
        '--gpus=0'
      ),
      ace('quota:set', `--user=${dave.username}`, '--environments=1', '--cpu=1'),
      ace('quota:set', '--user=nobody-by-this-name', '--environments=1', ...limits),
      ace('quota:show', '--json'),
    ])
    const set = jsonOf(assert, setJson).data
    assert.deepEqual(set.limits, {
      environments: 0,
      cpuMillicores: 1500,
      memoryBytes: 512 * 1024 ** 2,
      storageBytes: GIB,
      gpus: 0,
    })
    assert.equal(set.usage.storageBytes, 10 * GIB)
    assert.isTrue(set.custom)
    assert.deepEqual(set.overLimit, ['environments', 'storageBytes'])
    assertRefused(assert, bad, /^.*cpu: The cpu field must be a number of cores/)
    assertRefused(assert, missing, 'memory')
    assertRefused(assert, ghost, 'User "nobody-by-this-name" not found')
    const siteDefault = jsonOf(assert, siteBefore).data
    assert.sameMembers(Object.keys(siteDefault), [
      'environments',
      'cpuMillicores',
      'memoryBytes',
      'storageBytes',
      'gpus',
    ])

    const stored = await UserQuota.findByOrFail('user_id', dave.id)
    assert.equal(stored.cpuMillicores, 1500)
    let events = await auditSince(mark)
    assert.lengthOf(events, 1)
    assert.containsSubset(events[0], {
      ...OPERATOR,
      action: 'quota.user.update',
      objectId: String(dave.id),
      details: { oldWasCustom: false, overLimit: ['environments', 'storageBytes'] },
    })

    // The table form warns about the limits the user is over, and shows the units quota:set takes.
    const again = await ace('quota:set', `--user=${dave.username}`, '--environments=0', ...limits)
    assert.equal(again.code, 0, output(again))
    assert.include(again.stdout, 'cpu=1500m memory=512Mi storage=1Gi')
    assert.include(output(again), 'environments, storageBytes')
    const shown = await ace('quota:show', dave.username)
    assert.equal(shown.code, 0, output(shown))
    assert.match(shown.stdout, /storage[^\n]*1Gi[^\n]*10Gi[^\n]*0/)

    mark = await auditMark()
    const site = await ace(
      'quota:set',
      '--environments=7',
      '--cpu=12',
      '--memory=40Gi',
      '--storage=200Gi',
      '--gpus=1',
      '--json'
    )
    assert.deepEqual(jsonOf(assert, site).data, {
      environments: 7,
      cpuMillicores: 12_000,
      memoryBytes: 40 * GIB,
      storageBytes: 200 * GIB,
      gpus: 1,
    })
    const reset = await ace('quota:reset', dave.username)
    assert.equal(reset.code, 0, output(reset))
    assert.isNull(await UserQuota.findBy('user_id', dave.id))
    const [resetAgain, showDave] = await Promise.all([
      ace('quota:reset', dave.username),
      ace('quota:show', dave.username, '--json'),
    ])
    assertRefused(assert, resetAgain, 'no quota of their own')
    const summary = jsonOf(assert, showDave).data
    assert.isFalse(summary.custom)
    assert.equal(summary.limits.memoryBytes, 40 * GIB)

    events = await auditSince(mark)
    assert.deepEqual(
      events.map((event) => event.action),
      ['quota.default.update', 'quota.user.reset']
    )
    assert.isTrue(events.every((event) => event.actorId === null && event.userAgent === 'ace'))
    assert.deepEqual(events[1].details?.new, {
      environments: 7,
      cpuMillicores: 12_000,
      memoryBytes: 40 * GIB,
      storageBytes: 200 * GIB,
      gpus: 1,
    })
  })
})

test.group('ace environments:list, environments:stop, environments:remove', (group) => {
  group.each.timeout(180_000)

  test('lists with the endpoint filters, stops and removes on the real engine, audited', async ({
    assert,
    cleanup,
  }) => {
    const erin = await createUser({ username: `env${Date.now()}erin` })
    const image = await createHttpImage()
    forget(
      cleanup,
      () => [erin],
      () => [image]
    )
    await setUserQuota(erin.id)
    const environment = await runningEnvironment(erin, image, cleanup)

    const [byUser, asTable, byImage, otherDriver, badState, ghost, noImage] = await Promise.all([
      ace('environments:list', `--user=${erin.username}`, '--json'),
      ace('environments:list', `--user=${erin.username}`),
      ace(
        'environments:list',
        `--image=${image.name}`,
        '--state=running',
        '--driver=docker',
        '--json'
      ),
      ace('environments:list', `--image=${image.id}`, '--driver=kubernetes', '--json'),
      ace('environments:list', '--state=sleeping'),
      ace('environments:list', '--user=nobody-by-this-name'),
      ace('environments:list', '--image=no-such-image'),
    ])
    const listed = jsonOf(assert, byUser).data
    assert.lengthOf(listed, 1)
    assert.containsSubset(listed[0], {
      id: environment.id,
      state: 'running',
      userId: erin.id,
      username: erin.username,
      imageName: image.name,
      driver: 'docker',
    })
    assert.notProperty(listed[0], 'secret')
    // The table: the same row, its dates in UTC to the second (the list reads them as text).
    assert.equal(asTable.code, 0, output(asTable))
    const stored = await Environment.findOrFail(environment.id)
    const utc = (date: DateTime) => date.toUTC().toISO({ suppressMilliseconds: true })!
    const tableRow = asTable.stdout.split('\n').find((line) => line.includes(image.name))
    assert.exists(tableRow, asTable.stdout)
    for (const shown of [
      erin.username,
      'running',
      'docker',
      utc(stored.createdAt),
      utc(stored.expiresAt),
    ]) {
      assert.include(tableRow, shown)
    }
    assert.deepEqual(
      jsonOf(assert, byImage).data.map((row: any) => row.id),
      [environment.id]
    )
    assert.lengthOf(jsonOf(assert, otherDriver).data, 0)
    assertRefused(assert, badState, 'state')
    assertRefused(assert, ghost, 'not found')
    assertRefused(assert, noImage, 'Image "no-such-image" not found')

    let mark = await auditMark()
    const stopped = await ace('environments:stop', String(environment.id))
    assert.equal(stopped.code, 0, output(stopped))
    assert.include(stopped.stdout, `Environment ${environment.id}`)
    assert.include(stopped.stdout, 'is stopped')
    assert.equal((await Environment.findOrFail(environment.id)).state, 'stopped')
    const driver = await app.container.make(DockerDriver)
    const instance = (await driver.list()).find((item) => item.environmentId === environment.id)
    assert.exists(instance)
    assert.isFalse(instance!.running)
    const stopEvents = await auditSince(mark)
    assert.lengthOf(stopEvents, 1)
    assert.containsSubset(stopEvents[0], {
      ...OPERATOR,
      action: 'environment.stop',
      objectType: 'environment',
      objectId: String(environment.id),
      details: { ownerId: erin.id, ownerUsername: erin.username },
    })

    mark = await auditMark()
    const [stopAgain, unknown, notAnId] = await Promise.all([
      ace('environments:stop', String(environment.id)),
      ace('environments:remove', '2147483000'),
      ace('environments:stop', 'abc'),
    ])
    assertRefused(assert, stopAgain, 'not in a state')
    assertRefused(assert, unknown, 'Environment 2147483000 not found')
    assertRefused(assert, notAnId, 'id')
    assert.lengthOf(await auditSince(mark), 0)

    const removed = await ace('environments:remove', String(environment.id))
    assert.equal(removed.code, 0, output(removed))
    assert.include(removed.stdout, 'is removed')
    assert.equal((await Environment.findOrFail(environment.id)).state, 'removed')
    assert.notExists((await driver.list()).find((item) => item.environmentId === environment.id))
    const removeEvents = await auditSince(mark)
    assert.deepEqual(
      removeEvents.map((event) => [event.action, event.actorId, event.userAgent]),
      [['environment.remove', null, 'ace']]
    )

    const [live, gone] = await Promise.all([
      ace('environments:list', `--user=${erin.username}`, '--json'),
      ace('environments:list', `--user=${erin.username}`, '--state=removed', '--json'),
    ])
    assert.lengthOf(jsonOf(assert, live).data, 0)
    assert.deepEqual(
      jsonOf(assert, gone).data.map((row: any) => row.id),
      [environment.id]
    )
  })
})

/**
 * One environment with a 200 ms life on 18,000 cores and 36,000 GiB:
 * exactly 1 core-hour and 2 GiB-hours. Whole seconds (10:00:00 to
 * 10:00:01) would count five times as much.
 */
const SUB_SECOND = {
  cpuMillicores: 18_000_000,
  memoryBytes: 36_000 * GIB,
  transitions: [
    ['2025-03-01T10:00:00.900Z', 'provisioning'],
    ['2025-03-01T10:00:01.100Z', 'failed'],
  ] as [string, EnvironmentState][],
  window: ['--from=2025-03-01T00:00:00Z', '--to=2025-03-02T00:00:00Z'],
  row: {
    environmentHours: 0.0001,
    cpuCoreHours: 1,
    memoryGiBHours: 2,
    gpuHours: 0,
    manualStops: 0,
    idleStops: 0,
    expiries: 0,
  },
}

/** The SUB_SECOND environment of `user`, written through the models (on `connection`). */
async function subSecondEnvironment(
  user: User,
  image: Image,
  connection = db.primaryConnectionName
) {
  const environment = await EnvironmentFactory.connection(connection)
    .merge({
      userId: user.id,
      imageId: image.id,
      name: 'blink',
      driver: 'docker',
      state: 'failed',
      secret: 'not-a-real-secret',
      cpuMillicores: SUB_SECOND.cpuMillicores,
      memoryBytes: SUB_SECOND.memoryBytes,
      storageBytes: 0,
      gpus: 0,
      expiresAt: DateTime.utc().plus({ days: 1 }),
    })
    .create()
  for (const [at, state] of SUB_SECOND.transitions) {
    await EnvironmentEventFactory.connection(connection)
      .merge({
        environmentId: environment.id,
        step: state,
        message: state,
        state,
        occurredAt: DateTime.fromISO(at, { zone: 'utc' }),
      })
      .create()
  }
  return environment
}

test.group('ace usage:report', (group) => {
  group.each.timeout(180_000)

  test('prints the numbers of GET /api/v1/admin/usage, exact to the millisecond', async ({
    assert,
    client,
    cleanup,
  }) => {
    const frank = await createUser({ username: `use${Date.now()}frank` })
    const image = await createHttpImage()
    forget(
      cleanup,
      () => [frank],
      () => [image]
    )
    const environment = await subSecondEnvironment(frank, image)
    // Stored with their milliseconds.
    const events = await EnvironmentEvent.query()
      .where('environment_id', environment.id)
      .orderBy('id')
    assert.deepEqual(
      events.map((event) => event.occurredAt.toUTC().toISO()),
      SUB_SECOND.transitions.map(([at]) => at)
    )

    const [json, csv, table, badGroup, badWindow] = await Promise.all([
      ace('usage:report', ...SUB_SECOND.window, '--group-by=user', '--json'),
      ace('usage:report', ...SUB_SECOND.window, '--group-by=user', '--csv'),
      ace('usage:report', ...SUB_SECOND.window, '--group-by=image'),
      ace('usage:report', ...SUB_SECOND.window, '--group-by=day'),
      ace(
        'usage:report',
        '--from=2025-03-02T00:00:00Z',
        '--to=2025-03-01T00:00:00Z',
        '--group-by=user'
      ),
    ])
    const report = jsonOf(assert, json)
    const row = report.data.find((entry: any) => entry.key.id === frank.id)
    assert.deepEqual(row, { key: { id: frank.id, label: frank.username }, ...SUB_SECOND.row })

    const query = 'from=2025-03-01T00:00:00Z&to=2025-03-02T00:00:00Z&groupBy=user'
    const api = await adminApi(client, cleanup)
    const fromApi = await api.get(`/api/v1/admin/usage?${query}`)
    fromApi.assertStatus(200)
    assert.deepEqual(report, fromApi.body())
    const csvFromApi = await api.get(`/api/v1/admin/usage.csv?${query}`)
    csvFromApi.assertStatus(200)
    assert.equal(csv.code, 0, output(csv))
    assert.equal(csv.stdout, csvFromApi.text())
    assert.include(csv.stdout, `${frank.id},${frank.username},0.0001,1,2,0,0,0,0\r\n`)

    assert.equal(table.code, 0, output(table))
    assert.include(table.stdout, image.name)
    assertRefused(assert, badGroup, 'groupBy')
    assertRefused(assert, badWindow, 'to: The to field must be after from')
  })

  /**
   * The one test with real `node ace` processes: what a script sees
   * (JSON alone on stdout, one line on stderr, exit code 1), on SQLite.
   */
  test('counts a sub-second interval exactly on SQLite too, as a real process', async ({
    assert,
    cleanup,
  }) => {
    const dataDir = await scratchDir('usage')
    cleanup(() => rm(dataDir, { recursive: true, force: true }))
    const sqliteEnv = { DB_CONNECTION: 'sqlite', DATA_DIR: dataDir, APP_KEY: SQLITE_APP_KEY }

    // The models write through a SQLite connection of this process, as the portal would.
    const connection = `usage_sqlite_${Date.now()}`
    db.manager.add(connection, {
      client: 'better-sqlite3',
      connection: { filename: join(dataDir, 'portal.sqlite') },
      useNullAsDefault: true,
    })
    cleanup(() => db.manager.close(connection, true))
    const migrated = await aceInProcess('migration:run', [
      `--connection=${connection}`,
      '--compact-output',
      '--no-schema-generate',
      '--disable-locks',
    ])
    assert.equal(migrated.code, 0, output(migrated))
    const user = await UserFactory.connection(connection)
      .merge({
        username: 'grace',
        provider: 'local',
        password: null,
        disabled: false,
        email: null,
        displayName: null,
        externalId: null,
      })
      .create()
    const image = await ImageFactory.connection(connection)
      .merge({
        name: 'sqlite-image',
        description: null,
        reference: 'portal-test/busybox:1',
        driver: 'docker',
        protocol: 'http',
        port: 8080,
        cpuMillicores: 250,
        memoryBytes: 64 * 1024 ** 2,
        storageBytes: 0,
        gpus: 0,
        environment: {},
        command: null,
        requiresExperiment: false,
        enabled: true,
        allowedRoles: ['scientist'],
        lifetimeHours: null,
      })
      .create()
    await subSecondEnvironment(user, image, connection)

    const [report, refused] = await Promise.all([
      runAce(['usage:report', ...SUB_SECOND.window, '--group-by=user', '--json'], sqliteEnv),
      runAce(['usage:report', ...SUB_SECOND.window, '--group-by=day'], sqliteEnv),
    ])
    assert.deepEqual(jsonOf(assert, report).data, [
      { key: { id: user.id, label: 'grace' }, ...SUB_SECOND.row },
    ])
    assertRefused(assert, refused, 'groupBy')
  })
})

test.group('ace audit:export', (group) => {
  group.each.timeout(180_000)

  test('writes the CSV of GET /api/v1/admin/audit.csv with its filters', async ({
    assert,
    client,
    cleanup,
  }) => {
    const hank = await createUser({ username: `aud${Date.now()}hank` })
    forget(cleanup, () => [hank])
    const action = `test.export${Date.now()}`
    const at = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' })
    const base = {
      action,
      objectType: 'user',
      objectId: String(hank.id),
      clientIp: '10.0.0.1',
      requestId: null,
    }
    await AuditEvent.createMany([
      {
        ...base,
        occurredAt: at('2025-05-01T10:00:00.125Z'),
        actorId: hank.id,
        actorName: hank.username,
        outcome: 'failure',
        userAgent: 'Agent, "quoted"',
        details: { formula: '=1+1' },
      },
      {
        ...base,
        occurredAt: at('2025-05-02T10:00:00.000Z'),
        actorId: hank.id,
        actorName: hank.username,
        outcome: 'success',
        userAgent: null,
        details: null,
      },
      {
        ...base,
        occurredAt: at('2025-05-03T10:00:00.000Z'),
        actorId: null,
        actorName: null,
        outcome: 'success',
        userAgent: 'ace',
        details: null,
      },
    ])

    const [everything, filtered, badOutcome, unknownActor] = await Promise.all([
      ace('audit:export', `--action=${action}`),
      ace(
        'audit:export',
        `--action=${action}`,
        `--actor=${hank.username}`,
        '--outcome=failure',
        '--from=2025-05-01T10:00:00.100Z',
        '--to=2025-05-01T10:00:00.200Z'
      ),
      ace('audit:export', '--outcome=maybe'),
      ace('audit:export', '--actor=nobody-by-this-name'),
    ])

    const api = await adminApi(client, cleanup)
    const fromApi = await api.get(`/api/v1/admin/audit.csv?action=${action}`)
    fromApi.assertStatus(200)
    assert.equal(everything.code, 0, output(everything))
    assert.equal(everything.stdout, fromApi.text())
    const lines = everything.stdout.split('\r\n')
    assert.lengthOf(lines, 5)
    assert.match(lines[3], /,2025-05-01T10:00:00\.125Z,/)
    assert.include(lines[3], `"Agent, ""quoted"""`)
    assert.include(lines[3], `"{""formula"":""=1+1""}"`)

    assert.equal(filtered.code, 0, output(filtered))
    const rows = filtered.stdout.split('\r\n')
    assert.deepEqual([rows[0], rows[1].includes(',failure,'), rows.length], [lines[0], true, 3])

    assertRefused(assert, badOutcome, 'outcome')
    assertRefused(assert, unknownActor, 'User "nobody-by-this-name" not found')
  })
})
