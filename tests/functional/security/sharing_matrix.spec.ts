import { randomUUID } from 'node:crypto'
import { test } from '@japa/runner'
import type { ApiClient } from '@japa/api-client'
import { DateTime } from 'luxon'
import router from '@adonisjs/core/services/router'
import encryption from '@adonisjs/core/services/encryption'
import User from '#models/user'
import UserRole from '#models/user_role'
import EnvironmentShare from '#models/environment_share'
import type { Role } from '#models/role'
import EnvironmentProvisioner from '#services/environments/environment_provisioner'
import { UserFactory } from '#database/factories/user_factory'
import { EnvironmentFactory } from '#database/factories/environment_factory'
import { createExperiment } from '#database/factories/experiment_factory'
import { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'
import { createHttpImage } from '#tests/helpers/environments'
import { clearGuacamoleRecords } from '#tests/helpers/fake_guacamole'
import { routeKeys } from '#tests/helpers/security/route_policies'
import { UNSTARTABLE_REFERENCE } from '#tests/helpers/security/security_world'

/*
 * The authorisation matrix's sharing row: for every environment route, the
 * answer to the owner, a colleague it is shared with as user, one shared
 * with as guest, another member of its experiment it is not shared with,
 * someone outside the experiment, and an admin (on the scientists' routes
 * a person like any other). Refusals run first and must not depend on
 * order; the route table below must name every environment route the
 * router has.
 */

const ACTORS = [
  'owner',
  'shared user',
  'shared guest',
  'other member',
  'non-member',
  'admin',
] as const
type Actor = (typeof ACTORS)[number]

type World = Awaited<ReturnType<typeof sharingWorld>>
type Probe = { method: string; url: string; body?: unknown }
type Row = {
  state: 'running' | 'stopped'
  probe: (world: World, id: number) => Probe
  expected: Record<Actor, number>
}

/** Owner-only routes: colleagues are refused (they know it exists), everyone else is told 404. */
const OWNER_ONLY = (allowed: number): Row['expected'] => ({
  'owner': allowed,
  'shared user': 403,
  'shared guest': 403,
  'other member': 404,
  'non-member': 404,
  'admin': 404,
})
/** What colleagues may do as the owner can: look, follow, open. */
const SHARED = (allowed: number): Row['expected'] => ({
  'owner': allowed,
  'shared user': allowed,
  'shared guest': allowed,
  'other member': 404,
  'non-member': 404,
  'admin': 404,
})
/** The admin tree: admins only; everyone else 403 before anything is looked up. */
const ADMIN = (allowed: number): Row['expected'] => ({
  'owner': 403,
  'shared user': 403,
  'shared guest': 403,
  'other member': 403,
  'non-member': 403,
  'admin': allowed,
})

const later = () => ({ expiresAt: DateTime.utc().plus({ days: 1 }).toISO() })
const on =
  (method: string, suffix = '', body?: () => unknown) =>
  (_world: World, id: number): Probe => ({
    method,
    url: `/api/v1/environments/${id}${suffix}`,
    body: body?.(),
  })
const onAdmin =
  (method: string, suffix = '', body?: () => unknown) =>
  (_world: World, id: number): Probe => ({
    method,
    url: `/api/v1/admin/environments/${id}${suffix}`,
    body: body?.(),
  })

const ROWS: Record<string, Row> = {
  // Listing: everyone answers 200; what each sees is checked below.
  'GET /api/v1/environments': {
    state: 'stopped',
    probe: () => ({ method: 'GET', url: '/api/v1/environments' }),
    expected: { ...SHARED(200), 'other member': 200, 'non-member': 200, 'admin': 200 },
  },
  // A launch on its experiment: members only (a share gives no membership).
  'POST /api/v1/environments': {
    state: 'stopped',
    probe: (world) => ({
      method: 'POST',
      url: '/api/v1/environments',
      body: { imageId: world.image.id, experimentId: world.experimentId },
    }),
    expected: { ...SHARED(202), 'other member': 202 },
  },
  'GET /api/v1/environments/:id': { state: 'stopped', probe: on('GET'), expected: SHARED(200) },
  'GET /api/v1/environments/:id/events': {
    state: 'stopped',
    probe: on('GET', '/events'),
    expected: SHARED(200),
  },
  'POST /api/v1/environments/:id/access': {
    state: 'running',
    probe: on('POST', '/access'),
    expected: SHARED(200),
  },
  'POST /api/v1/environments/:id/stop': {
    state: 'running',
    probe: on('POST', '/stop'),
    expected: OWNER_ONLY(202),
  },
  'POST /api/v1/environments/:id/start': {
    state: 'stopped',
    probe: on('POST', '/start'),
    expected: OWNER_ONLY(202),
  },
  'PATCH /api/v1/environments/:id': {
    state: 'stopped',
    probe: on('PATCH', '', later),
    expected: OWNER_ONLY(200),
  },
  'DELETE /api/v1/environments/:id': {
    state: 'stopped',
    probe: on('DELETE'),
    expected: OWNER_ONLY(202),
  },
  'GET /api/v1/environments/:id/shares': {
    state: 'stopped',
    probe: on('GET', '/shares'),
    expected: OWNER_ONLY(200),
  },
  'POST /api/v1/environments/:id/shares': {
    state: 'stopped',
    probe: (world, id) => ({
      method: 'POST',
      url: `/api/v1/environments/${id}/shares`,
      body: { username: world.people['other member'].user.username, role: 'user' },
    }),
    expected: OWNER_ONLY(201),
  },
  'DELETE /api/v1/environments/:id/shares/:userId': {
    state: 'stopped',
    probe: (world, id) => ({
      method: 'DELETE',
      url: `/api/v1/environments/${id}/shares/${world.people['shared user'].user.id}`,
    }),
    expected: OWNER_ONLY(204),
  },
  'GET /api/v1/admin/environments': {
    state: 'stopped',
    probe: () => ({ method: 'GET', url: '/api/v1/admin/environments' }),
    expected: ADMIN(200),
  },
  'PATCH /api/v1/admin/environments/:id': {
    state: 'stopped',
    probe: onAdmin('PATCH', '', later),
    expected: ADMIN(200),
  },
  'POST /api/v1/admin/environments/:id/stop': {
    state: 'running',
    probe: onAdmin('POST', '/stop'),
    expected: ADMIN(202),
  },
  'DELETE /api/v1/admin/environments/:id': {
    state: 'stopped',
    probe: onAdmin('DELETE'),
    expected: ADMIN(202),
  },
  'GET /api/v1/admin/environments/:id/shares': {
    state: 'stopped',
    probe: onAdmin('GET', '/shares'),
    expected: ADMIN(200),
  },
  'DELETE /api/v1/admin/environments/:id/shares/:userId': {
    state: 'stopped',
    probe: (world, id) => ({
      method: 'DELETE',
      url: `/api/v1/admin/environments/${id}/shares/${world.people['shared user'].user.id}`,
    }),
    expected: ADMIN(204),
  },
}

function environmentRoutes() {
  router.commit()
  return routeKeys(Object.values(router.toJSON()).flat()).filter((key) =>
    key.includes('/environments')
  )
}

async function person(client: ApiClient, roles: Role[] = []) {
  const user = await UserFactory.merge({
    username: `shr-${randomUUID().slice(0, 12)}`,
    email: null,
    displayName: null,
    provider: 'local',
    externalId: null,
    password: null,
    disabled: false,
  }).create()
  await UserRole.createMany(
    [...new Set<Role>(['scientist', ...roles])].map((role) => ({ userId: user.id, role }))
  )
  const token = await User.accessTokens.create(user)
  return { user, session: ApiSession.withToken(client, token.value!.release()) }
}

/**
 * The six people and one remote desktop (a vnc image the engine cannot
 * start: nothing runs; "running" ones have a dead loopback endpoint),
 * tied to an experiment of the owner, both colleagues and the other member.
 */
async function sharingWorld(client: ApiClient, state: 'running' | 'stopped') {
  const people = {} as Record<Actor, Awaited<ReturnType<typeof person>>>
  for (const actor of ACTORS) {
    people[actor] = await person(client, actor === 'admin' ? ['admin'] : [])
  }
  const experiment = await createExperiment({
    members: [
      people.owner.user,
      people['shared user'].user,
      people['shared guest'].user,
      people['other member'].user,
    ],
  })
  const image = await createHttpImage({
    reference: UNSTARTABLE_REFERENCE,
    protocol: 'vnc',
    port: 5901,
  })
  const environment = await EnvironmentFactory.merge({
    userId: people.owner.user.id,
    imageId: image.id,
    experimentId: experiment.id,
    name: 'shared desktop',
    state,
    // Decrypted when someone opens it (the Guacamole connection's password).
    secret: encryption.encrypt('matrix-desktop-secret'),
    endpointHost: state === 'running' ? '127.0.0.1' : null,
    endpointPort: state === 'running' ? 9 : null,
    cpuMillicores: 100,
    memoryBytes: 1024,
  }).create()
  for (const [actor, role] of [
    ['shared user', 'user'],
    ['shared guest', 'guest'],
  ] as const) {
    await EnvironmentShare.create({
      environmentId: environment.id,
      userId: people[actor].user.id,
      role,
      grantedBy: people.owner.user.id,
      lastOpenedAt: null,
    })
  }
  return { people, image, experimentId: experiment.id, environmentId: environment.id }
}

test.group('Authorisation matrix: sharing', () => {
  test('every environment route has a sharing row, and every row a route', ({ assert }) => {
    const routes = environmentRoutes()
    assert.isAbove(routes.length, 10)
    assert.deepEqual(
      routes.filter((key) => !ROWS[key]),
      [],
      'environment route without a sharing row'
    )
    assert.deepEqual(
      Object.keys(ROWS).filter((key) => !routes.includes(key)),
      [],
      'sharing row of a route the router no longer has'
    )
  })
})

test.group('Authorisation matrix: sharing', (group) => {
  isolateEachTest(group)
  group.each.timeout(60_000)
  group.each.teardown(async () => {
    await EnvironmentProvisioner.settle()
    await clearGuacamoleRecords()
  })

  for (const key of Object.keys(ROWS)) {
    const row = ROWS[key]
    test(`${key}: owner ${row.expected.owner}, shared user ${row.expected['shared user']}, guest ${row.expected['shared guest']}, other member ${row.expected['other member']}, non-member ${row.expected['non-member']}, admin ${row.expected.admin}`, async ({
      client,
      assert,
      cleanup,
    }) => {
      cleanup(() => EnvironmentProvisioner.settle())
      const world = await sharingWorld(client, row.state)
      const problems: string[] = []
      const granted = (actor: Actor) => row.expected[actor] < 300
      // Refusals first (they must change nothing), then those allowed.
      const order = [...ACTORS.filter((a) => !granted(a)), ...ACTORS.filter(granted)]
      for (const actor of order) {
        const probe = row.probe(world, world.environmentId)
        const response = await world.people[actor].session.send(
          probe.method as 'GET',
          probe.url,
          probe.body
        )
        if (response.status() !== row.expected[actor]) {
          problems.push(
            `${actor}: expected ${row.expected[actor]}, got ${response.status()} ${response.text().slice(0, 160)}`
          )
        }
        if (key === 'GET /api/v1/environments' && response.status() === 200) {
          const listed = (response.body().data as { id: number; role: string }[]).find(
            (entry) => entry.id === world.environmentId
          )
          const role =
            actor === 'owner'
              ? 'owner'
              : actor === 'shared user'
                ? 'user'
                : actor === 'shared guest'
                  ? 'guest'
                  : null
          if ((listed?.role ?? null) !== role) {
            problems.push(`${actor}: listed as ${listed?.role ?? 'absent'}, expected ${role}`)
          }
        }
      }
      assert.deepEqual(problems, [], `\n${problems.join('\n')}`)
    })
  }
})
