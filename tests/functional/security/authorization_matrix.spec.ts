import { test } from '@japa/runner'
import type { Assert } from '@japa/assert'
import type { ApiClient, ApiResponse } from '@japa/api-client'
import router from '@adonisjs/core/services/router'
import EnvironmentProvisioner from '#services/environments/environment_provisioner'
import { ApiSession } from '#tests/helpers/api_session'
import { contractProblems } from '#tests/helpers/openapi_contract'
import { isolateEachTest } from '#tests/helpers/isolation'
import {
  ROUTE_POLICIES,
  routeKeys,
  type Probe,
  type RoutePolicy,
} from '#tests/helpers/security/route_policies'
import {
  securityWorld,
  type ActorName,
  type Person,
  type SecurityWorld,
} from '#tests/helpers/security/security_world'
import { snapshotState, stateDifferences } from '#tests/helpers/security/state_snapshot'

/*
 * The authorisation matrix, generated from the router: one test per route,
 * each asking as anonymous, scientist A (cookie session), scientist B
 * (API token) and an admin (API token), about A's object, B's object and a
 * missing one. The expected answer follows from the route's access class
 * in tests/helpers/security/route_policies.ts; a route the table does not
 * know fails ("new route without a policy").
 */

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/**
 * The router's routes. start/routes.ts is preloaded before test files are
 * imported; committing (idempotent, as the HTTP server does when it
 * starts) lets the tests below be generated from them.
 */
function registeredRoutes() {
  router.commit()
  return routeKeys(Object.values(router.toJSON()).flat())
}

type Target = { label: string; owner: Person | null | undefined; probe: Probe }

type Cell = {
  actor: ActorName
  session: ApiSession
  target: Target
  expected: number
  /** Whether the actor may do this (granted cells run last: they may change things). */
  granted: boolean
}

/** The answer an actor should get, and whether that is the route doing its job. */
function expectation(policy: RoutePolicy, actor: ActorName, owner: Person | null | undefined) {
  const denied = (status: number) => ({ expected: status, granted: false })
  const granted = { expected: policy.allowed, granted: true }
  switch (policy.access) {
    case 'public':
      return granted
    case 'service':
      // A person's session or API token never opens a service route.
      return denied(401)
    case 'authenticated-self':
      if (actor === 'anonymous') return denied(401)
      // Scientist B and the admin are the actors who carry personal API tokens.
      if (policy.refusedToTokens && actor !== 'scientist A') return denied(policy.refusedToTokens)
      return granted
    case 'owner-of-object':
    case 'member-of-experiment':
      if (actor === 'anonymous') return denied(401)
      return owner && owner.name === actor ? granted : denied(404)
    case 'admin':
      if (actor === 'anonymous') return denied(401)
      if (actor !== 'admin') return denied(403)
      return owner === null ? denied(404) : granted
  }
}

/** The same request with input no validator accepts: no query, an empty body, ids that are not numbers. */
function invalidVariant(method: string, probe: Probe): Probe {
  return {
    url: probe.url.split('?')[0].replace(/\/\d+(?=\/|$)/g, '/not-a-number'),
    body: UNSAFE.has(method) ? {} : undefined,
  }
}

async function send(session: ApiSession, method: string, probe: Probe) {
  let request = session.request(method as 'GET', probe.url)
  if (probe.form) {
    request = request.form(probe.form)
  } else if (probe.body !== undefined) {
    request = request.json(probe.body as object)
  }
  const response: ApiResponse = await request
  session.absorbCookies(response)
  const problems = contractProblems(
    method,
    probe.url.split('?')[0],
    response.status(),
    response.headers()['content-type'],
    response.body()
  )
  return { response, problems }
}

async function checkRoute(
  key: string,
  policy: RoutePolicy,
  world: SecurityWorld,
  client: ApiClient
) {
  const [method] = key.split(' ')
  const { a, b, admin, anonymous, fixtures } = world
  const actors: [ActorName, ApiSession][] = [
    ['anonymous', anonymous],
    ['scientist A', a.session],
    ['scientist B', b.session],
    ['admin', admin.session],
  ]
  const problems: string[] = []

  const targets: Target[] = []
  if (policy.object) {
    for (const owner of [a, b, null]) {
      const label = owner ? `${owner.name}'s object` : 'a missing object'
      targets.push({ label, owner, probe: await policy.probe(fixtures, owner) })
    }
  } else {
    targets.push({
      label: 'no object',
      owner: undefined,
      probe: await policy.probe(fixtures, null),
    })
  }

  const seeded = new Map<string, number>()
  if (policy.ownList) {
    for (const person of [a, b]) {
      seeded.set(person.name, await policy.ownList.seed(fixtures, person))
    }
  }

  const cells: Cell[] = targets.flatMap((target) =>
    actors.map(([actor, session]) => ({
      actor,
      session,
      target,
      ...expectation(policy, actor, target.owner),
    }))
  )

  const notFoundBodies = new Map<string, string>()
  async function run(cell: Cell, probe = cell.target.probe, expected = cell.expected) {
    const where = `${key} as ${cell.actor} on ${cell.target.label}`
    const { response, problems: contract } = await send(cell.session, method, probe)
    problems.push(...contract.map((problem) => `${where}: ${problem}`))
    if (response.status() !== expected) {
      const text = response.text().slice(0, 200)
      problems.push(`${where}: expected ${expected}, got ${response.status()} ${text}`)
    }
    return response
  }

  // Refusals first: they must change nothing, and must not depend on input validity.
  const before = await snapshotState()
  for (const cell of cells.filter(({ granted }) => !granted)) {
    const response = await run(cell)
    if (response.status() === 404) {
      notFoundBodies.set(`${cell.actor} on ${cell.target.label}`, response.text())
    }
    if (cell.expected === 401 || cell.expected === 403) {
      await run(cell, invalidVariant(method, cell.target.probe))
    }
  }
  problems.push(...stateDifferences(before, await snapshotState()).map((d) => `${key}: ${d}`))

  // Someone else's object and a missing one are indistinguishable.
  if (policy.access === 'owner-of-object' || policy.access === 'member-of-experiment') {
    const foreign = notFoundBodies.get("scientist B on scientist A's object")
    const missing = notFoundBodies.get('scientist A on a missing object')
    if (foreign !== missing) {
      problems.push(`${key}: another's object answers ${foreign}, a missing one ${missing}`)
    }
  }

  for (const cell of cells.filter(({ granted }) => granted)) {
    const response = await run(cell)
    if (policy.ownList && response.status() === policy.allowed) {
      const shown = policy.ownList.ids(response.body())
      for (const [owner, id] of seeded) {
        const own = owner === cell.actor
        if (shown.includes(id) !== own) {
          problems.push(`${key} as ${cell.actor}: ${own ? 'misses' : 'shows'} ${owner}'s object`)
        }
      }
    }
  }

  if (policy.access === 'service') {
    const probe = targets[0].probe
    const service = ApiSession.withToken(client, probe.authorization!.replace(/^Bearer /, ''))
    const { response, problems: contract } = await send(service, method, probe)
    problems.push(...contract.map((problem) => `${key} with the service credential: ${problem}`))
    if (response.status() !== policy.allowed) {
      problems.push(`${key} with the service credential: got ${response.status()}`)
    }
  }
  return problems
}

function assertNoProblems(assert: Assert, problems: string[]) {
  assert.deepEqual(problems, [], `\n${problems.join('\n')}`)
}

test.group('Authorisation matrix: the policy table', () => {
  test('every route the router registers has a policy, and every policy a route', ({ assert }) => {
    const registered = registeredRoutes()
    assert.isAbove(registered.length, 0)
    const missing = registered.filter((key) => !ROUTE_POLICIES[key])
    const stale = Object.keys(ROUTE_POLICIES).filter((key) => !registered.includes(key))
    assert.deepEqual(missing, [], `new route without a policy: ${missing.join(', ')}`)
    assert.deepEqual(stale, [], `policy for a route the router no longer has: ${stale.join(', ')}`)
  })
})

test.group('Authorisation matrix', (group) => {
  isolateEachTest(group)
  group.each.timeout(60_000)

  for (const key of registeredRoutes()) {
    const policy = ROUTE_POLICIES[key]
    test(`${key} (${policy?.access ?? 'no policy'})`, async ({ client, assert, cleanup }) => {
      // Engine work continues in the background. Test cleanups run before the
      // rollback (setup cleanups; teardown hooks would run after it).
      cleanup(() => EnvironmentProvisioner.settle())
      if (!policy) {
        assert.fail(
          `new route without a policy: add "${key}" to tests/helpers/security/route_policies.ts`
        )
        return
      }
      const world = await securityWorld(client)
      assertNoProblems(assert, await checkRoute(key, policy, world, client))
    })
  }
})
