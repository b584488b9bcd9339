import { DateTime } from 'luxon'
import { test } from '@japa/runner'
import { createUser, FACTORY_PASSWORD } from '#database/factories/user_factory'
import type AuditEvent from '#models/audit_event'
import type User from '#models/user'
import environmentsConfig from '#config/environments'
import type { EnvironmentState } from '#domain/environment_states'
import { ApiSession } from '#tests/helpers/api_session'
import { createHttpImage } from '#tests/helpers/environments'
import { isolateEachTest } from '#tests/helpers/isolation'
import {
  EnvironmentFactory,
  EnvironmentEventFactory,
} from '#database/factories/environment_factory'
import { AuditEventFactory } from '#database/factories/audit_event_factory'
import { ExperimentFactory } from '#database/factories/experiment_factory'

const GIB = 2 ** 30
const WINDOW = 'from=2025-01-01T00:00:00Z&to=2025-01-02T00:00:00Z'

const NEW_ROUTES = [
  '/api/v1/admin/audit.csv',
  `/api/v1/admin/usage?${WINDOW}&groupBy=user`,
  `/api/v1/admin/usage.csv?${WINDOW}&groupBy=user`,
  '/api/v1/admin/overview',
]

async function signedInAdmin(client: ConstructorParameters<typeof ApiSession>[0]) {
  const admin = await createUser({ roles: ['admin'] })
  const session = new ApiSession(client)
  await session.login(admin.username, FACTORY_PASSWORD)
  return { admin, session }
}

/** An environment row with its state transitions, as the journal would have written them. */
async function insertEnvironment(
  fields: {
    user: User
    imageId: number
    experimentId?: number | null
    cpuMillicores: number
    memoryBytes: number
    gpus?: number
  },
  /** [at, state, step]: the step names the transition (the state by default). */
  transitions: [string, EnvironmentState, string?][]
) {
  const environment = await EnvironmentFactory.merge({
    userId: fields.user.id,
    imageId: fields.imageId,
    experimentId: fields.experimentId ?? null,
    sessionId: null,
    name: `usage-${Math.random().toString(36).slice(2, 8)}`,
    driver: 'docker',
    state: transitions[transitions.length - 1][1],
    failureReason: null,
    engineId: null,
    endpointHost: null,
    endpointPort: null,
    secret: 'not-used',
    cpuMillicores: fields.cpuMillicores,
    memoryBytes: fields.memoryBytes,
    storageBytes: 0,
    gpus: fields.gpus ?? 0,
    expiresAt: DateTime.utc().plus({ days: 1 }),
  }).create()
  for (const [at, state, step] of transitions) {
    // A progress step without a state must not count.
    await EnvironmentEventFactory.merge({
      environmentId: environment.id,
      step: 'progress',
      message: 'noise',
      state: null,
      occurredAt: DateTime.fromISO(at, { zone: 'utc' }),
    }).create()
    await EnvironmentEventFactory.merge({
      environmentId: environment.id,
      step: step ?? state,
      message: state,
      state,
      occurredAt: DateTime.fromISO(at, { zone: 'utc' }),
    }).create()
  }
  return environment
}

/**
 * alice: A (image X, EXP) 3 h compute, 5 h 0 m 30 s slot; C (image Y, EXP) failed after 15 min.
 * bob:   B (image Y, no experiment) running since before the window, 1 GPU.
 */
async function usageScenario() {
  const alice = await createUser({ username: `alice${Date.now()}` })
  const bob = await createUser({ username: `bob${Date.now()}` })
  const imageX = await createHttpImage()
  const imageY = await createHttpImage()
  const experiment = await ExperimentFactory.merge({
    proposalId: `EXP-${Date.now()}`,
    title: 'Usage',
    source: 'local',
  }).create()
  await insertEnvironment(
    {
      user: alice,
      imageId: imageX.id,
      experimentId: experiment.id,
      cpuMillicores: 1500,
      memoryBytes: 4 * GIB,
    },
    [
      ['2025-01-01T08:00:00.000Z', 'provisioning'],
      ['2025-01-01T08:30:00.000Z', 'running'],
      ['2025-01-01T10:30:00.000Z', 'stopping', 'idle_stop'],
      ['2025-01-01T11:00:00.000Z', 'stopped'],
      ['2025-01-01T13:00:00.000Z', 'removing', 'expire'],
      ['2025-01-01T13:00:30.000Z', 'removed'],
    ]
  )
  await insertEnvironment(
    { user: bob, imageId: imageY.id, cpuMillicores: 500, memoryBytes: GIB, gpus: 1 },
    [
      ['2024-12-31T23:00:00.000Z', 'provisioning'],
      ['2024-12-31T23:00:30.000Z', 'running'],
    ]
  )
  await insertEnvironment(
    {
      user: alice,
      imageId: imageY.id,
      experimentId: experiment.id,
      cpuMillicores: 1000,
      memoryBytes: 2 * GIB,
    },
    [
      ['2025-01-01T20:00:00.250Z', 'provisioning'],
      ['2025-01-01T20:15:00.250Z', 'failed'],
    ]
  )
  return { alice, bob, imageX, imageY, experiment }
}

const row = (
  environmentHours: number,
  cpu: number,
  memory: number,
  gpu: number,
  endings = { manualStops: 0, idleStops: 0, expiries: 0 }
) => ({
  environmentHours,
  cpuCoreHours: cpu,
  memoryGiBHours: memory,
  gpuHours: gpu,
  ...endings,
})

/** A was stopped by the idle job, then removed at expiry. */
const A_ENDINGS = { manualStops: 0, idleStops: 1, expiries: 1 }

// alice: A (5 h 0 m 30 s slot, 3 h compute) + C (15 min); bob: B clipped to the 24 h window.
const ALICE = row(5.2583, 4.75, 12.5, 0, A_ENDINGS)
const BOB = row(24, 12, 24, 24)

type UsageRow = { key: { id: number | null; label: string } } & ReturnType<typeof row>

function find(rows: UsageRow[], label: string) {
  const found = rows.find((candidate) => candidate.key.label === label)
  if (!found) {
    throw new Error(`no usage row "${label}" in ${JSON.stringify(rows)}`)
  }
  const { key, ...numbers } = found
  return { key, numbers }
}

test.group('Admin: usage accounting', (group) => {
  isolateEachTest(group)

  test('groups by user', async ({ client, assert }) => {
    const { alice, bob } = await usageScenario()
    const { session } = await signedInAdmin(client)

    const response = await session.get(`/api/v1/admin/usage?${WINDOW}&groupBy=user`)
    response.assertStatus(200)
    const rows: UsageRow[] = response.body().data
    assert.deepEqual(find(rows, alice.username), {
      key: { id: alice.id, label: alice.username },
      numbers: ALICE,
    })
    assert.deepEqual(find(rows, bob.username), {
      key: { id: bob.id, label: bob.username },
      numbers: BOB,
    })
    assert.deepEqual(response.body().meta, {
      from: '2025-01-01T00:00:00.000Z',
      to: '2025-01-02T00:00:00.000Z',
      groupBy: 'user',
    })
  })

  test('groups by experiment, with a label for none', async ({ client, assert }) => {
    const { experiment } = await usageScenario()
    const { session } = await signedInAdmin(client)

    const response = await session.get(`/api/v1/admin/usage?${WINDOW}&groupBy=experiment`)
    response.assertStatus(200)
    const rows: UsageRow[] = response.body().data
    assert.deepEqual(find(rows, experiment.proposalId), {
      key: { id: experiment.id, label: experiment.proposalId },
      numbers: ALICE,
    })
    assert.deepEqual(find(rows, '(no experiment)'), {
      key: { id: null, label: '(no experiment)' },
      numbers: BOB,
    })
  })

  test('groups by image', async ({ client, assert }) => {
    const { imageX, imageY } = await usageScenario()
    const { session } = await signedInAdmin(client)

    const response = await session.get(`/api/v1/admin/usage?${WINDOW}&groupBy=image`)
    response.assertStatus(200)
    const rows: UsageRow[] = response.body().data
    assert.deepEqual(find(rows, imageX.name).numbers, row(5.0083, 4.5, 12, 0, A_ENDINGS))
    assert.deepEqual(find(rows, imageY.name).numbers, row(24.25, 12.25, 24.5, 24))
    assert.equal(find(rows, imageY.name).key.id, imageY.id)
  })

  test('a narrower window clips the intervals', async ({ client, assert }) => {
    const { alice } = await usageScenario()
    const { session } = await signedInAdmin(client)

    // 09:00–10:00: alice's A is running the whole hour.
    const response = await session.get(
      '/api/v1/admin/usage?from=2025-01-01T09:00:00Z&to=2025-01-01T10:00:00Z&groupBy=user'
    )
    assert.deepEqual(find(response.body().data, alice.username).numbers, row(1, 1.5, 4, 0))
  })

  test('the CSV has the same numbers', async ({ client, assert }) => {
    const { bob } = await usageScenario()
    const { session } = await signedInAdmin(client)

    const response = await session.get(`/api/v1/admin/usage.csv?${WINDOW}&groupBy=user`)
    response.assertStatus(200)
    assert.equal(response.header('content-type'), 'text/csv; charset=utf-8')
    assert.equal(response.header('content-disposition'), 'attachment; filename="usage.csv"')
    const lines = response.text().split('\r\n')
    assert.equal(
      lines[0],
      'userId,label,environmentHours,cpuCoreHours,memoryGiBHours,gpuHours,manualStops,idleStops,expiries'
    )
    assert.include(lines, `${bob.id},${bob.username},24,12,24,24,0,0,0`)
  })

  test('counts idle stops apart from stops by hand and expiries, within the window only', async ({
    client,
    assert,
  }) => {
    const { alice, bob, imageY } = await usageScenario()
    // bob stops a second environment by hand twice; the second stop is after the window.
    await insertEnvironment(
      { user: bob, imageId: imageY.id, cpuMillicores: 100, memoryBytes: GIB },
      [
        ['2025-01-01T01:00:00.000Z', 'provisioning'],
        ['2025-01-01T01:00:10.000Z', 'running'],
        ['2025-01-01T02:00:00.000Z', 'stopping', 'stop'],
        ['2025-01-01T02:00:05.000Z', 'stopped', 'halted'],
        ['2025-01-01T03:00:00.000Z', 'provisioning', 'start'],
        ['2025-01-01T03:00:10.000Z', 'running', 'ready'],
        ['2025-01-02T01:00:00.000Z', 'stopping', 'stop'],
      ]
    )
    const { session } = await signedInAdmin(client)

    const json = await session.get(`/api/v1/admin/usage?${WINDOW}&groupBy=user`)
    json.assertStatus(200)
    const endings = (label: string) => {
      const { manualStops, idleStops, expiries } = find(json.body().data, label).numbers
      return { manualStops, idleStops, expiries }
    }
    assert.deepEqual(endings(alice.username), A_ENDINGS)
    assert.deepEqual(endings(bob.username), { manualStops: 1, idleStops: 0, expiries: 0 })

    const csv = await session.get(`/api/v1/admin/usage.csv?${WINDOW}&groupBy=user`)
    const aliceLine = csv
      .text()
      .split('\r\n')
      .find((line) => line.startsWith(`${alice.id},`))!
    assert.isTrue(aliceLine.endsWith(',0,1,1'), aliceLine)
  })

  test('refuses bad windows and groupings with 422', async ({ client, assert }) => {
    const { session } = await signedInAdmin(client)
    const cases: [string, string][] = [
      ['groupBy=user', 'from'],
      ['from=yesterday&groupBy=user', 'from'],
      ['from=2025-01-01T00:00:00Z&to=soon&groupBy=user', 'to'],
      ['from=2025-01-01T00:00:00Z&groupBy=team', 'groupBy'],
      ['from=2025-01-01T00:00:00Z', 'groupBy'],
      ['from=2025-01-02T00:00:00Z&to=2025-01-01T00:00:00Z&groupBy=user', 'to'],
      ['from=2024-01-01T00:00:00Z&to=2025-02-05T00:00:00Z&groupBy=user', 'to'],
    ]
    for (const [query, field] of cases) {
      for (const path of ['usage', 'usage.csv']) {
        const response = await session.get(`/api/v1/admin/${path}?${query}`)
        assert.equal(response.status(), 422, `${path}?${query}`)
        assert.equal(response.body().errors[0].field, field, `${path}?${query}`)
      }
    }
    // Exactly 400 days is allowed; `to` defaults to now.
    ;(
      await session.get(
        '/api/v1/admin/usage?from=2024-01-01T00:00:00Z&to=2025-02-04T00:00:00Z&groupBy=user'
      )
    ).assertStatus(200)
    const recent = DateTime.utc().minus({ days: 1 }).toISO()
    ;(
      await session.get(`/api/v1/admin/usage?from=${encodeURIComponent(recent)}&groupBy=image`)
    ).assertStatus(200)
  })
})

test.group('Admin: audit filters and CSV export', (group) => {
  isolateEachTest(group)

  async function auditRows() {
    const objectId = `${Date.now()}`
    const base = {
      occurredAt: DateTime.utc(),
      actorId: null,
      outcome: 'success' as const,
      clientIp: '10.0.0.1',
      requestId: 'req-1',
      objectType: 'environment',
      objectId,
    }
    const older = await AuditEventFactory.merge({
      ...base,
      actorName: '=HYPERLINK("http://evil")',
      action: 'environment.stop',
      userAgent: 'Agent, "quoted"\nnext line',
      details: { reason: '+1', nested: { a: 1 } },
    }).create()
    const newer = await AuditEventFactory.merge({
      ...base,
      actorName: 'plain',
      action: '@SUM(A1)',
      userAgent: '-2',
      details: null,
    }).create()
    await AuditEventFactory.merge({
      ...base,
      objectId: 'other',
      actorName: 'x',
      action: 'a',
    }).create()
    // As stored (the column's precision decides the milliseconds).
    await Promise.all([older.refresh(), newer.refresh()])
    return { objectId, older, newer }
  }

  test('filters the list by object type and id', async ({ client, assert }) => {
    const { objectId, older, newer } = await auditRows()
    const { session } = await signedInAdmin(client)

    const response = await session.get(
      `/api/v1/admin/audit?objectType=environment&objectId=${objectId}`
    )
    response.assertStatus(200)
    assert.deepEqual(
      response.body().data.map((event: { id: number }) => event.id),
      [newer.id, older.id]
    )
    const none = await session.get(`/api/v1/admin/audit?objectType=image&objectId=${objectId}`)
    assert.lengthOf(none.body().data, 0)
  })

  test('exports CSV with quoting and formula escaping', async ({ client, assert }) => {
    const { objectId, older, newer } = await auditRows()
    const { session } = await signedInAdmin(client)

    const response = await session.get(
      `/api/v1/admin/audit.csv?objectType=environment&objectId=${objectId}`
    )
    response.assertStatus(200)
    assert.equal(response.header('content-type'), 'text/csv; charset=utf-8')
    assert.equal(response.header('content-disposition'), 'attachment; filename="audit.csv"')
    const iso = (event: AuditEvent) => event.occurredAt.toUTC().toISO()
    assert.equal(
      response.text(),
      [
        'id,occurredAt,actorId,actorName,action,objectType,objectId,outcome,clientIp,userAgent,requestId,details\r\n',
        `${newer.id},${iso(newer)},,plain,'@SUM(A1),environment,${objectId},success,10.0.0.1,'-2,req-1,\r\n`,
        `${older.id},${iso(older)},,"'=HYPERLINK(""http://evil"")",environment.stop,environment,${objectId},success,10.0.0.1,"Agent, ""quoted""\nnext line",req-1,"{""reason"":""+1"",""nested"":{""a"":1}}"\r\n`,
      ].join('')
    )
  })

  test('the CSV validates its filters', async ({ client }) => {
    const { session } = await signedInAdmin(client)
    ;(await session.get('/api/v1/admin/audit.csv?outcome=maybe')).assertStatus(422)
  })
})

test.group('Admin: overview', (group) => {
  isolateEachTest(group)

  test('counts environments, reservations, sign-ins and failures', async ({ client, assert }) => {
    const { session } = await signedInAdmin(client)
    const before = (await session.get('/api/v1/admin/overview')).body().data

    const scientist = await createUser()
    await new ApiSession(client).login(scientist.username, FACTORY_PASSWORD)
    const image = await createHttpImage()
    const now = DateTime.utc()
    const minutesAgo = (minutes: number) => now.minus({ minutes }).toISO()!
    await insertEnvironment(
      { user: scientist, imageId: image.id, cpuMillicores: 2000, memoryBytes: GIB, gpus: 1 },
      [[minutesAgo(10), 'running']]
    )
    await insertEnvironment(
      { user: scientist, imageId: image.id, cpuMillicores: 500, memoryBytes: GIB },
      [
        [minutesAgo(30), 'running'],
        [minutesAgo(20), 'stopped'],
      ]
    )
    await insertEnvironment(
      { user: scientist, imageId: image.id, cpuMillicores: 500, memoryBytes: GIB },
      [
        [minutesAgo(5), 'provisioning'],
        [minutesAgo(4), 'failed'],
      ]
    )
    // A failure older than a day is not counted.
    await insertEnvironment(
      { user: scientist, imageId: image.id, cpuMillicores: 500, memoryBytes: GIB },
      [[now.minus({ hours: 25 }).toISO()!, 'failed']]
    )

    const response = await session.get('/api/v1/admin/overview')
    response.assertStatus(200)
    const after = response.body().data
    assert.equal(after.environmentsByState.running - before.environmentsByState.running, 1)
    assert.equal(after.environmentsByState.stopped - before.environmentsByState.stopped, 1)
    assert.equal(after.environmentsByState.failed - before.environmentsByState.failed, 2)
    assert.deepEqual(
      {
        cpuMillicores: after.reserved.cpuMillicores - before.reserved.cpuMillicores,
        memoryBytes: after.reserved.memoryBytes - before.reserved.memoryBytes,
        gpus: after.reserved.gpus - before.reserved.gpus,
      },
      { cpuMillicores: 2000, memoryBytes: GIB, gpus: 1 }
    )
    assert.deepEqual(after.capacity, environmentsConfig.capacity)
    assert.equal(after.activeUsers24h - before.activeUsers24h, 1)
    assert.equal(after.failures24h - before.failures24h, 1)
  })
})

test.group('Admin reports: access', (group) => {
  isolateEachTest(group)

  test('a scientist gets 403 on every report', async ({ client, assert }) => {
    const scientist = await createUser()
    const session = new ApiSession(client)
    await session.login(scientist.username, FACTORY_PASSWORD)
    for (const url of NEW_ROUTES) {
      const response = await session.get(url)
      assert.equal(response.status(), 403, url)
      assert.equal(response.body().errors[0].code, 'E_FORBIDDEN')
    }
  })

  test('an anonymous caller gets 401 on every report', async ({ client, assert }) => {
    for (const url of NEW_ROUTES) {
      assert.equal((await new ApiSession(client).get(url)).status(), 401, url)
    }
  })
})
