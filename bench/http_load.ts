/*
 * Reads of a populated facility (bench/seed_facility.ts: 10,000 users,
 * 100,000 experiments, 2,000 environments) under load, at 8 and 32
 * connections, each figure also a ratio against baselines started in the
 * same run (bench/baselines.ts): a raw `node:http` server and the portal's
 * build with no server middleware. Per route it prints the server's CPU
 * milliseconds per request, the database server's CPU milliseconds per
 * request when it is a local MariaDB/MySQL process (bench/database_process.ts:
 * on MariaDB the threads of the connections to the bench database only;
 * "n/a" on SQLite or when not found) and the database statements per request
 * (bench/statement_counter.ts), then the server's resident memory, then
 * the issue 16 targets, met or missed. The machine is shared: ratios and
 * CPU per request are the signal, not absolute req/s.
 *
 *   npm run bench -- http_load
 *   BENCH_SECONDS=3 BENCH_SCALE=0.1 npm run bench -- http_load   (quick)
 *   BENCH_SERVER=source …   (TypeScript through ts-exec; no middleware-less baseline)
 *   BENCH_ROUTES=admin/experiments …   (the baselines and these routes only)
 *   BENCH_TARGETS=report …   (print the targets, do not fail on a missed one)
 *   BENCH_DB=sqlite …   (the portal on SQLite: a copy of the seeded MariaDB database,
 *                        bench/sqlite_copy.ts; no statement counts)
 *
 * `/api/v1/me` and the experiments page are measured twice: with the
 * scientist's token and with the session cookie of the same scientist
 * signed in through the console's login route (bench/bench_routes.ts).
 *
 * Exits non-zero when any request failed or answered other than 2xx, or
 * when a target is missed.
 */
import os from 'node:os'
import { startBenchPortal } from './built_portal.ts'
import { startBarePortal, startRawNodeServer } from './baselines.ts'
import { benchLogFile, loggedErrors, removeLog } from './server_log.ts'
import { cpuMilliseconds, peakResidentMiB, residentMiB, sampleResident } from './process_usage.ts'
import { connectBenchDatabase, describeFacility, seedFacility } from './seed_facility.ts'
import { benchPortalEnv } from './bench_env.ts'
import { prepareStatementCounting, statementsPerRequest } from './statement_counter.ts'
import { sqliteCopyWhenAsked } from './sqlite_copy.ts'
import {
  checkRouteAnswers,
  loadRoute,
  benchCredentials,
  portalRoutes,
  routeHeaders,
  selectRoutes,
  sessionRoutes,
  type BenchRoute,
  type RouteKind,
} from './bench_routes.ts'
import { machineLine } from './machine.ts'
import { databaseCpuMeter } from './database_process.ts'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3)
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? '8,32').split(',').map(Number)

const db = await connectBenchDatabase()
const facility = await seedFacility(db, { appKey: process.env.APP_KEY! })
for (const line of describeFacility(facility)) {
  console.log(line)
}
const [[mariadb]] = (await db.query('SELECT VERSION() AS version')) as any
const credentials = await benchCredentials(db, facility)
const sqliteCopy = await sqliteCopyWhenAsked(db)
const benchAccount = sqliteCopy
  ? { DB_CONNECTION: 'sqlite', DB_SQLITE_FILE: sqliteCopy.file }
  : await prepareStatementCounting(db, process.env.DB_DATABASE ?? 'portal_bench')
const database = sqliteCopy ? 'SQLite (copy of the seed)' : `MariaDB ${mariadb.version}`
// The portal's statements reach it only when it is not SQLite.
const databaseCpu = sqliteCopy
  ? null
  : await databaseCpuMeter(db, process.env.DB_DATABASE ?? 'portal_bench')

const logFile = benchLogFile('http_load')
const portalEnv = {
  ...benchPortalEnv(),
  ...benchAccount,
  LOG_LEVEL: 'info',
  LOG_FILE: logFile,
  // Seeded "running" environments have no containers: the reconciler must not fail them.
  JOBS_ENABLED: 'false',
}
const server = await startBenchPortal(portalEnv)
const { portal } = server
const pid = portal.pid!
// Idle as started, before any request (the memory bench's "idle after start"): the cookie
// routes' sign-in below hashes a password (scrypt's 16 MiB), which the process then keeps.
const idleStartMiB = await residentMiB(pid)
const raw = await startRawNodeServer()
const bare = server.build
  ? await startBarePortal(server.build, { ...portalEnv, LOG_FILE: `${logFile}.bare` })
  : null

const routes: BenchRoute[] = [
  {
    name: 'raw node:http',
    path: '/',
    token: null,
    kind: 'raw',
    baseUrl: raw.baseUrl,
    pid: raw.pid,
  },
  ...(bare
    ? [
        {
          name: 'GET /health/live (no server middleware)',
          path: '/health/live',
          token: null,
          kind: 'bare' as const,
          baseUrl: bare.baseUrl,
          pid: bare.pid!,
        },
      ]
    : []),
  ...portalRoutes(facility, credentials, { baseUrl: portal.baseUrl, pid }),
  // The console's reads with a browser session, beside the same reads with a token.
  ...(await sessionRoutes(facility, { baseUrl: portal.baseUrl, pid })),
]

// BENCH_ROUTES=experiments,admin/environments keeps the baselines and the routes holding one of them.
const measured = selectRoutes(routes, process.env.BENCH_ROUTES, ['raw', 'bare', 'live'])

type Figures = { rps: number; p99: number; cpu: number; databaseMs: number }
const figures = new Map<string, Figures>()
const key = (kind: RouteKind | string, connections: number) => `${kind}@${connections}`

let failures = 0
const refusals: string[] = []
const missed: string[] = []
try {
  // Every route answers 200 with data before anything is measured.
  for (const route of measured.filter((each) => each.kind !== 'raw')) {
    await checkRouteAnswers(route)
  }

  // Statements per request, one request at a time, before the load.
  const statements = new Map<BenchRoute, string>()
  // Counted by MariaDB (USER_STATISTICS): nothing to count on SQLite.
  for (const route of measured.filter((each) => each.baseUrl === portal.baseUrl && !sqliteCopy)) {
    const counted = await statementsPerRequest(db, () =>
      fetch(`${route.baseUrl}${route.path}`, { headers: routeHeaders(route) }).then((response) =>
        response.arrayBuffer()
      )
    )
    statements.set(
      route,
      `${counted.total.toFixed(1)} (${counted.writes.toFixed(1)} writes${counted.others ? `, ${counted.others.toFixed(1)} other` : ''})`
    )
  }

  const idleCheckedMiB = await residentMiB(pid)
  for (const route of measured) {
    await loadRoute(route, 8, WARMUP_SECONDS)
  }
  await new Promise((resolve) => setTimeout(resolve, 2000))
  const idleWarmMiB = await residentMiB(pid)

  console.log(`\n${machineLine(`${Math.round(os.totalmem() / 2 ** 30)} GiB`)}, ${database}`)
  console.log(
    `server: ${server.description}; ${SECONDS} s per run, warm-up ${WARMUP_SECONDS} s per route`
  )
  console.log(
    `database CPU: ${databaseCpu ? `${database.split(' ')[0]} ${databaseCpu.description}` : 'n/a (SQLite, or no local server process found)'}\n`
  )
  console.log(
    '| route | conn. | req/s | p50 ms | p99 ms | vs raw node:http | vs /health/live | server CPU ms/req | DB CPU ms/req | statements/req | errors | non-2xx | peak RSS MiB |'
  )
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |')

  for (const connections of CONNECTIONS) {
    for (const route of measured) {
      const sampler = sampleResident(pid)
      const cpuBefore = await cpuMilliseconds(route.pid)
      const databaseCounting = await databaseCpu?.start()
      const result = await loadRoute(route, connections, SECONDS)
      // No answered request (every one timed out): no CPU per request to speak of.
      const perRequest = (milliseconds: number) =>
        result.requests.total ? milliseconds / result.requests.total : Number.NaN
      const cpu = perRequest((await cpuMilliseconds(route.pid)) - cpuBefore)
      const databaseMs = databaseCounting ? perRequest(await databaseCounting.stop()) : Number.NaN
      const peakMiB = sampler.stop()
      const rps = result.requests.average
      const errors = result.errors + result.timeouts
      failures += errors + result.non2xx
      if (errors + result.non2xx > 0) {
        const statuses = Object.entries(result.statusCodeStats ?? {})
          .filter(([status]) => !status.startsWith('2'))
          .map(([status, stats]) => `${stats.count ?? 0} × ${status}`)
        refusals.push(
          `${route.name} (${connections}): ${[...statuses, `${errors} errors`].join(', ')}`
        )
      }
      const own = { rps, p99: result.latency.p99, cpu, databaseMs }
      figures.set(key(route.name, connections), own)
      if (!figures.has(key(route.kind, connections))) {
        figures.set(key(route.kind, connections), own)
      }
      const rawRps = figures.get(key('raw', connections))?.rps
      const liveRps = figures.get(key('live', connections))?.rps
      const ratio = (base?: number) => (base ? (rps / base).toFixed(2) : '')
      console.log(
        `| ${route.name} | ${connections} | ${Math.round(rps)} | ${result.latency.p50} | ${result.latency.p99} | ${ratio(rawRps)} | ${route.kind === 'raw' || route.kind === 'bare' ? '' : ratio(liveRps)} | ${cpu.toFixed(3)} | ${Number.isNaN(databaseMs) ? 'n/a' : databaseMs.toFixed(3)} | ${statements.get(route) ?? ''} | ${errors} | ${result.non2xx} | ${route.pid === pid ? peakMiB : ''} |`
      )
    }
  }

  const peakMiB = await peakResidentMiB(pid)
  console.log(
    `\nserver resident memory: idle ${idleStartMiB} MiB after start, ${idleCheckedMiB} MiB after one request per route, ` +
      `${idleWarmMiB} MiB after warm-up; ` +
      `peak ${peakMiB} MiB (VmHWM); now ${await residentMiB(pid)} MiB`
  )

  // The issue 16 targets.
  const targets: Array<[string, boolean | null, string]> = []
  const target = (text: string, value: number | undefined, pass: (value: number) => boolean) =>
    targets.push([text, value === undefined ? null : pass(value), value?.toFixed(3) ?? 'n/a'])
  const f = (name: string, connections: number) => figures.get(key(name, connections))
  const live8 = f('live', 8)
  const raw8 = f('raw', 8)
  target(
    '/health/live ≥ 0.35× raw node:http (8)',
    live8 && raw8 && live8.rps / raw8.rps,
    (v) => v >= 0.35
  )
  target('/health/live server CPU ≤ 0.08 ms/req (8)', live8?.cpu, (v) => v <= 0.08)
  for (const route of measured.filter((each) => ['me', 'list', 'admin'].includes(each.kind))) {
    for (const connections of CONNECTIONS) {
      const own = f(route.name, connections)
      const live = f('live', connections)
      if (!own || !live) {
        continue
      }
      if (route.kind === 'me' && connections === 8) {
        target(`${route.name} ≥ 0.5× /health/live (8)`, own.rps / live.rps, (v) => v >= 0.5)
      }
      if (route.kind === 'list') {
        if (connections === 8) {
          target(`${route.name} ≥ 0.35× /health/live (8)`, own.rps / live.rps, (v) => v >= 0.35)
          target(`${route.name} ≥ 2,000 req/s (8)`, own.rps, (v) => v >= 2000)
        }
        const limit = connections === 8 ? 15 : 40
        target(`${route.name} p99 ≤ ${limit} ms (${connections})`, own.p99, (v) => v <= limit)
      }
      if (route.kind === 'admin' && connections === 8) {
        target(`${route.name} p99 ≤ 30 ms (8)`, own.p99, (v) => v <= 30)
      }
    }
  }
  target('idle memory ≤ 120 MiB', idleStartMiB, (v) => v <= 120)
  target('peak memory under the load ≤ 220 MiB', peakMiB, (v) => v <= 220)
  console.log('\n| target (issue 16) | measured | |\n| --- | --- | --- |')
  for (const [text, pass, value] of targets) {
    console.log(
      `| ${text} | ${value} | ${pass === null ? 'not measured' : pass ? 'met' : 'MISSED'} |`
    )
    if (pass === false) {
      missed.push(text)
    }
  }
  for (const refusal of refusals) {
    console.log(`failed: ${refusal}`)
  }
} finally {
  await bare?.stop()
  await server.close()
  await raw.stop()
  await db.end()
  for (const { message, count } of await loggedErrors(logFile)) {
    console.log(`server logged ${count} × error: ${message}`)
  }
  await removeLog(logFile)
  await removeLog(`${logFile}.bare`)
  await sqliteCopy?.remove()
}

if (failures > 0) {
  console.error(`\n${failures} failed or non-2xx requests`)
  process.exit(1)
}
if (missed.length > 0 && process.env.BENCH_TARGETS !== 'report') {
  console.error(`\n${missed.length} targets missed`)
  process.exit(2)
}
