/*
 * Two builds of the portal, measured against each other on a busy machine:
 * "before" (the working tree of another checkout, BENCH_AB_BEFORE) and
 * "after" (this one) are built, started side by side on one seeded
 * facility, and loaded in turn, route by route, round after round (the
 * order alternating), so that both see the same moments of the machine's
 * load. Printed per route: each side's median server CPU ms per request
 * and req/s over the rounds, and the after/before ratio of the CPU; then
 * each side's resident memory once started and its peak (VmHWM) after the
 * last round, so that two sets of Node flags (each build's "serve" script)
 * compare on the same load.
 *
 *   BENCH_AB_BEFORE=/path/to/main/checkout npm run bench -- ab_builds
 *   BENCH_ROUTES=health/live,api/v1/experiments BENCH_ROUNDS=5 BENCH_SECONDS=3 BENCH_CONNECTIONS=8,32 …
 *   BENCH_DB=sqlite …   (each side on its own SQLite copy of the seeded MariaDB database,
 *                        migrated by its own checkout's migrations: bench/sqlite_copy.ts)
 */
import { join } from 'node:path'
import { buildPortal, BuiltPortal, removeBuild } from './built_portal.ts'
import { benchPortalEnv } from './bench_env.ts'
import { benchLogFile, loggedErrors, removeLog } from './server_log.ts'
import { cpuMilliseconds, peakResidentMiB, residentMiB } from './process_usage.ts'
import { connectBenchDatabase, describeFacility, seedFacility } from './seed_facility.ts'
import {
  benchCredentials,
  checkRouteAnswers,
  loadRoute,
  portalRoutes,
  selectRoutes,
  sessionRoutes,
} from './bench_routes.ts'
import { machineLine } from './machine.ts'
import { copyFacilityToSqlite } from './sqlite_copy.ts'

const BEFORE = process.env.BENCH_AB_BEFORE
if (!BEFORE) {
  throw new Error('BENCH_AB_BEFORE: the checkout to build as "before"')
}
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3)
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2)
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? '8').split(',').map(Number)
const SELECTION = process.env.BENCH_ROUTES ?? 'health/live,/api/v1/experiments,/api/v1/environments'

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

const db = await connectBenchDatabase()
const facility = await seedFacility(db, { appKey: process.env.APP_KEY! })
for (const line of describeFacility(facility)) {
  console.log(line)
}
const credentials = await benchCredentials(db, facility)

const { buildPortal: buildBefore } = (await import(
  join(BEFORE, 'bench/built_portal.ts')
)) as typeof import('./built_portal.ts')
const builds = { before: await buildBefore(), after: await buildPortal() }
const sides = ['before', 'after'] as const

// Tokens minted before the copies, so that they hold them too. One copy per side: an index
// that one side's migrations add must not reach the other side.
async function sqliteCopiesWhenAsked() {
  if (process.env.BENCH_DB !== 'sqlite') {
    return null
  }
  const { copyFacilityToSqlite: copyForBefore } = (await import(
    join(BEFORE!, 'bench/sqlite_copy.ts')
  )) as typeof import('./sqlite_copy.ts')
  const copies = { before: await copyForBefore(db), after: await copyFacilityToSqlite(db) }
  for (const side of sides) {
    console.log(`SQLite copy of the facility for ${side}: ${copies[side].seconds.toFixed(1)} s`)
  }
  return copies
}
const sqliteCopies = await sqliteCopiesWhenAsked()
const logs = { before: benchLogFile('ab_before'), after: benchLogFile('ab_after') }
const portals: Partial<Record<(typeof sides)[number], BuiltPortal>> = {}

type Run = { cpu: number; rps: number; p99: number; failed: number }
const runs = new Map<string, Run[]>()
// Each side's resident memory once started (idle) and its high-water mark after the last round:
// the two saw the same load, so Node flags (a build's "serve" script) compare side by side.
const memory: Partial<Record<(typeof sides)[number], { idle: number; peak: number }>> = {}

try {
  for (const side of sides) {
    portals[side] = await BuiltPortal.start(builds[side].build, {
      ...benchPortalEnv(),
      ...(sqliteCopies ? { DB_CONNECTION: 'sqlite', DB_SQLITE_FILE: sqliteCopies[side].file } : {}),
      LOG_LEVEL: 'info',
      LOG_FILE: logs[side],
      // Seeded "running" environments have no containers: the reconciler must not fail them.
      JOBS_ENABLED: 'false',
    })
    memory[side] = { idle: await residentMiB(portals[side]!.pid!), peak: 0 }
  }
  const routesOf = async (side: (typeof sides)[number]) => {
    const portal = portals[side]!
    const served = { baseUrl: portal.baseUrl, pid: portal.pid! }
    const all = [
      ...portalRoutes(facility, credentials, served),
      ...(await sessionRoutes(facility, served)),
    ]
    return selectRoutes(all, SELECTION).filter(
      (route) => !route.path.includes('?') || SELECTION.split(',').some((p) => p.includes('?'))
    )
  }
  const routes = { before: await routesOf('before'), after: await routesOf('after') }
  for (const side of sides) {
    for (const route of routes[side]) {
      await checkRouteAnswers(route)
      await loadRoute(route, CONNECTIONS[0], WARMUP_SECONDS)
    }
  }
  for (const connections of CONNECTIONS) {
    for (let round = 0; round < ROUNDS; round++) {
      const order: readonly (typeof sides)[number][] =
        round % 2 === 0 ? sides : [...sides].reverse()
      for (let index = 0; index < routes.after.length; index++) {
        for (const side of order) {
          const route = routes[side][index]
          const cpuBefore = await cpuMilliseconds(route.pid)
          const result = await loadRoute(route, connections, SECONDS)
          const cpu = ((await cpuMilliseconds(route.pid)) - cpuBefore) / result.requests.total
          const key = `${route.name}|${connections}|${side}`
          runs.set(key, [
            ...(runs.get(key) ?? []),
            {
              cpu,
              rps: result.requests.average,
              p99: result.latency.p99,
              failed: result.errors + result.timeouts + result.non2xx,
            },
          ])
        }
      }
    }
  }
  for (const side of sides) {
    memory[side]!.peak = await peakResidentMiB(portals[side]!.pid!)
  }
} finally {
  for (const side of sides) {
    await portals[side]?.stop()
    await removeBuild(builds[side].scratch)
    await sqliteCopies?.[side].remove()
  }
  await db.end()
}

console.log(`\n${machineLine()}`)
console.log(
  `before: ${BEFORE}; after: this checkout; ${sqliteCopies ? 'SQLite (a copy of the seed per side)' : 'MariaDB'}; ${CONNECTIONS.join(' and ')} connections, ${ROUNDS} rounds of ${SECONDS} s per route and side, order alternating\n`
)
console.log(
  '| route | conn. | CPU ms/req before | CPU ms/req after | after ÷ before | req/s before | req/s after | p99 ms before | p99 ms after | each round (CPU before → after) |'
)
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |')
let failed = 0
const measured = [...new Set([...runs.keys()].map((key) => key.replace(/\|[a-z]+$/, '')))]
for (const routeAndConnections of measured) {
  const [name, connections] = routeAndConnections.split('|')
  const before = runs.get(`${routeAndConnections}|before`)!
  const after = runs.get(`${routeAndConnections}|after`)!
  failed += [...before, ...after].reduce((sum, run) => sum + run.failed, 0)
  const cpuBefore = median(before.map((run) => run.cpu))
  const cpuAfter = median(after.map((run) => run.cpu))
  const rounds = before
    .map((run, index) => `${run.cpu.toFixed(3)} → ${after[index].cpu.toFixed(3)}`)
    .join(', ')
  console.log(
    `| ${name} | ${connections} | ${cpuBefore.toFixed(3)} | ${cpuAfter.toFixed(3)} | ${(cpuAfter / cpuBefore).toFixed(2)} | ` +
      `${Math.round(median(before.map((run) => run.rps)))} | ${Math.round(median(after.map((run) => run.rps)))} | ` +
      `${median(before.map((run) => run.p99))} | ${median(after.map((run) => run.p99))} | ${rounds} |`
  )
}
console.log(
  `\nresident memory, MiB: before idle ${memory.before?.idle}, peak ${memory.before?.peak} (VmHWM); ` +
    `after idle ${memory.after?.idle}, peak ${memory.after?.peak}`
)
for (const side of sides) {
  for (const { message, count } of await loggedErrors(logs[side])) {
    console.log(`${side}: server logged ${count} × error: ${message}`)
  }
  await removeLog(logs[side])
}
if (failed > 0) {
  console.error(`\n${failed} requests failed`)
  process.exit(1)
}
