import { test } from '@japa/runner'
import type { Assert } from '@japa/assert'
import { openApiDocument } from '#openapi/document'
import EnvironmentProvisioner from '#services/environments/environment_provisioner'
import type { ApiSession } from '#tests/helpers/api_session'
import { contractProblems } from '#tests/helpers/openapi_contract'
import { isolateEachTest } from '#tests/helpers/isolation'
import { ROUTE_POLICIES, type Probe } from '#tests/helpers/security/route_policies'
import { rawRequest, type RawResponse } from '#tests/helpers/security/raw_http'
import { securityWorld, type SecurityWorld } from '#tests/helpers/security/security_world'
import { snapshotState, stateDifferences } from '#tests/helpers/security/state_snapshot'
import {
  bodyCases,
  fieldCases,
  queryCases,
  seededRandom,
  type FuzzCase,
} from '#tests/helpers/security/fuzz_cases'

/*
 * Every operation of the OpenAPI document that takes a JSON body or query
 * parameters gets deterministic hostile input, as its usual caller and as
 * the other kind of user: nothing may answer 5xx, every error must have
 * the documented shape, and a refused request must change no guarded
 * table and start no container. The valid request each case starts from
 * is the authorisation matrix's (tests/helpers/security/route_policies.ts).
 */

/** Change it to explore other cases; the cases of one seed never change. */
const SEED = 0x5ec0_2026
const FIELDS_PER_CASE = 4
const PARAMETERS_PER_CASE = 4

type Operation = {
  method: string
  path: string
  /** Fields of the JSON request body's schema, when there is one. */
  bodyFields: string[] | null
  queryParameters: string[]
}

function documentedOperations(): Operation[] {
  const document = openApiDocument as any
  const operations: Operation[] = []
  for (const [path, item] of Object.entries<any>(document.paths)) {
    for (const [method, operation] of Object.entries<any>(item)) {
      const schema = operation.requestBody?.content?.['application/json']?.schema
      const queryParameters = (operation.parameters ?? [])
        .map((parameter: any) =>
          parameter.$ref
            ? document.components.parameters[parameter.$ref.split('/').pop()]
            : parameter
        )
        .filter((parameter: any) => parameter.in === 'query')
        .map((parameter: any) => parameter.name as string)
      if (schema || queryParameters.length > 0) {
        operations.push({
          method: method.toUpperCase(),
          path,
          bodyFields: schema ? Object.keys(schema.properties ?? {}) : null,
          queryParameters,
        })
      }
    }
  }
  return operations
}

/** The router's key of an OpenAPI operation ("/x/{id}" is "/x/:id" there). */
function routeKey(operation: Operation) {
  return `${operation.method} ${operation.path.replace(/\{(\w+)\}/g, ':$1')}`
}

/** The headers with which a session's requests carry its credential. */
function credentialHeaders(session: ApiSession): Record<string, string> {
  if (session.bearer) {
    return { Authorization: `Bearer ${session.bearer}` }
  }
  const cookies = [...session.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  const xsrf = session.cookies.get('XSRF-TOKEN')
  return { 'Cookie': cookies, 'X-XSRF-TOKEN': xsrf ? decodeURIComponent(xsrf) : '' }
}

/** Who fuzzes an operation with every case, and who with the body-level ones only. */
function actorsFor(operation: Operation, world: SecurityWorld) {
  const access = ROUTE_POLICIES[routeKey(operation)].access
  if (access === 'public') {
    return { full: world.anonymous, light: null, owner: world.a }
  }
  if (access === 'admin') {
    return { full: world.admin.session, light: world.b.session, owner: world.a }
  }
  return { full: world.b.session, light: world.admin.session, owner: world.b }
}

class FuzzRun {
  problems: string[] = []
  requests = 0

  constructor(protected operation: Operation) {}

  /** Sends one case; returns the response, having checked status and shape. */
  async send(label: string, session: ApiSession, url: string, body?: string | Buffer) {
    const { method } = this.operation
    const headers: Record<string, string> = credentialHeaders(session)
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json'
    }
    this.requests++
    const where = `${method} ${url.slice(0, 120)} [${label}]`
    let response: RawResponse
    try {
      response = await rawRequest({ method, path: url, headers, body })
    } catch (error) {
      this.problems.push(`${where}: ${(error as Error).message}`)
      return null
    }
    if (response.status >= 500) {
      this.problems.push(`${where}: answered ${response.status} ${response.text.slice(0, 200)}`)
    }
    const contract = contractProblems(
      method,
      url.split('?')[0],
      response.status,
      response.headers['content-type'],
      response.json
    )
    this.problems.push(...contract.map((problem) => `${where}: ${problem}`))
    return response
  }
}

/** Body cases, each refused one checked against the state before it. */
async function fuzzBody(run: FuzzRun, session: ApiSession, probe: Probe, cases: FuzzCase[]) {
  let before = await snapshotState()
  for (const { label, body } of cases) {
    const response = await run.send(label, session, probe.url, body)
    if (!response) continue
    if (response.status >= 400) {
      const changes = stateDifferences(before, await snapshotState())
      run.problems.push(
        ...changes.map((change) => `[${label}] refused with ${response.status}, yet ${change}`)
      )
    } else {
      // Accepted input may change things, and start engine work: the next case starts from here.
      await EnvironmentProvisioner.settle()
      before = await snapshotState()
    }
  }
}

/** Query cases of a read-only operation: the state must be the same afterwards. */
async function fuzzQuery(
  run: FuzzRun,
  session: ApiSession,
  probe: Probe,
  parameters: string[],
  perParameter: number
) {
  const [path, query = ''] = probe.url.split('?')
  const random = seededRandom(SEED ^ path.length)
  const before = await snapshotState()
  for (const { label, query: fuzzed } of queryCases(
    new URLSearchParams(query),
    parameters,
    perParameter,
    random
  )) {
    await run.send(label, session, `${path}?${fuzzed}`)
  }
  run.problems.push(...stateDifferences(before, await snapshotState()))
}

function assertNoPollution(assert: Assert) {
  const probe = {} as Record<string, unknown>
  assert.isUndefined(probe.polluted, 'Object.prototype was polluted')
  assert.isUndefined(probe.isAdmin, 'Object.prototype was polluted')
}

test.group('Input fuzzing: coverage', () => {
  test('every operation with a JSON body or query parameters has a valid request to start from', ({
    assert,
  }) => {
    const operations = documentedOperations()
    assert.isAbove(operations.length, 10)
    const missing = operations.map(routeKey).filter((key) => !ROUTE_POLICIES[key])
    assert.deepEqual(missing, [], `add these to tests/helpers/security/route_policies.ts`)
  })
})

test.group('Input fuzzing', (group) => {
  isolateEachTest(group)
  group.each.timeout(90_000)

  for (const operation of documentedOperations()) {
    const what = operation.bodyFields ? 'body' : 'query'
    test(`${operation.method} ${operation.path}: hostile ${what}, as its caller and as another`, async ({
      client,
      assert,
      cleanup,
    }) => {
      cleanup(() => EnvironmentProvisioner.settle())
      const policy = ROUTE_POLICIES[routeKey(operation)]
      assert.exists(policy, `no policy for ${routeKey(operation)}`)
      const world = await securityWorld(client)
      const { full, light, owner } = actorsFor(operation, world)
      const probe = await policy.probe(world.fixtures, owner)
      const run = new FuzzRun(operation)

      if (operation.bodyFields) {
        const valid = (probe.body ?? {}) as Record<string, unknown>
        const random = seededRandom(SEED ^ operation.path.length ^ operation.method.length)
        await fuzzBody(run, full, probe, [
          ...bodyCases(valid),
          ...fieldCases(valid, operation.bodyFields, FIELDS_PER_CASE, random),
        ])
        if (light) {
          await fuzzBody(run, light, probe, bodyCases(valid))
        }
      }
      if (operation.queryParameters.length > 0) {
        await fuzzQuery(run, full, probe, operation.queryParameters, PARAMETERS_PER_CASE)
        if (light) {
          await fuzzQuery(run, light, probe, operation.queryParameters, 1)
        }
      }

      assert.isAbove(run.requests, 0)
      assert.deepEqual(run.problems, [], `\n${run.problems.join('\n')}`)
      assertNoPollution(assert)
    })
  }
})
