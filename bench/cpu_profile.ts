/*
 * Where the server's CPU goes, per route: the built portal (as
 * bench/http_load.ts starts it, on the same seeded facility) runs under
 * `node --cpu-prof`; each chosen route is warmed up, then loaded while its
 * time window is noted; the server is stopped gracefully (SIGTERM), which
 * writes the profile. Printed per route: requests, the server's CPU ms per
 * request (/proc) and the sampled self time, as a share and as CPU µs per
 * request, by area (node internals, AdonisJS, Lucid/knex, mysql2,
 * pino, the portal's code, …), by package, and the top functions.
 *
 *   npm run bench -- cpu_profile
 *   BENCH_ROUTES=health/live,api/v1/me …   (routes whose path holds one of these)
 *   BENCH_SECONDS=5 BENCH_CONNECTIONS=8 BENCH_TOP=30 …
 *   BENCH_TOTALS=1 …   (also the top functions by total time: itself and its callees)
 *   BENCH_PROFILE_KEEP=1 …   (keep the .cpuprofile for Chrome DevTools; its path is printed)
 *   BENCH_SERVER=source …   (TypeScript through ts-exec instead of a build)
 *   BENCH_DB=sqlite …   (the portal on SQLite: a copy of the seeded MariaDB database,
 *                        bench/sqlite_copy.ts, as http_load does)
 *
 * Samples are cut to each route's window, so boot, warm-up and shutdown
 * are left out. Defaults to /health/live, /api/v1/me, the scientist's
 * experiments and the admins' environments.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startBenchPortal } from './built_portal.ts'
import { benchPortalEnv } from './bench_env.ts'
import { benchLogFile, loggedErrors, removeLog } from './server_log.ts'
import { cpuMilliseconds } from './process_usage.ts'
import { connectBenchDatabase, describeFacility, seedFacility } from './seed_facility.ts'
import {
  benchCredentials,
  checkRouteAnswers,
  loadRoute,
  portalRoutes,
  selectRoutes,
  sessionRoutes,
} from './bench_routes.ts'
import { formatSummary, loadCpuProfile, summariseWindow } from './cpu_profile_summary.ts'
import { sqliteCopyWhenAsked } from './sqlite_copy.ts'
import { machineLine } from './machine.ts'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8)
const TOP = Number(process.env.BENCH_TOP ?? 30)
const DEFAULT_ROUTES = 'health/live,/api/v1/me,/api/v1/experiments,admin/environments'
// Sample every 250 µs: a /health/live request takes about 100 µs of CPU.
const INTERVAL_MICROS = Number(process.env.BENCH_PROFILE_INTERVAL ?? 250)

const db = await connectBenchDatabase()
const facility = await seedFacility(db, { appKey: process.env.APP_KEY! })
for (const line of describeFacility(facility)) {
  console.log(line)
}

// Tokens minted before the copy, so that the SQLite copy holds them too.
const credentials = await benchCredentials(db, facility)
const sqliteCopy = await sqliteCopyWhenAsked(db)

const profileDir = await mkdtemp(join(tmpdir(), 'portal-cpu-profile-'))
const logFile = benchLogFile('cpu_profile')
const server = await startBenchPortal({
  ...benchPortalEnv(),
  ...(sqliteCopy ? { DB_CONNECTION: 'sqlite', DB_SQLITE_FILE: sqliteCopy.file } : {}),
  LOG_LEVEL: 'info',
  LOG_FILE: logFile,
  // Seeded "running" environments have no containers: the reconciler must not fail them.
  JOBS_ENABLED: 'false',
  NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir} --cpu-prof-interval=${INTERVAL_MICROS}`,
})
const { portal } = server
const all = [
  ...portalRoutes(facility, credentials, { baseUrl: portal.baseUrl, pid: portal.pid! }),
  ...(await sessionRoutes(facility, { baseUrl: portal.baseUrl, pid: portal.pid! })),
]
const selection = process.env.BENCH_ROUTES ?? DEFAULT_ROUTES
// "/api/v1/experiments" should mean the list itself, not also its ?search= variants.
const routes = selectRoutes(all, selection).filter(
  (route) => !route.path.includes('?') || selection.split(',').some((p) => p.includes('?'))
)

const microsNow = () => Number(process.hrtime.bigint() / 1000n)
const windows: Array<{
  route: (typeof routes)[number]
  from: number
  to: number
  requests: number
  cpuMicrosPerRequest: number
  errors: number
}> = []
try {
  for (const route of routes) {
    await checkRouteAnswers(route)
    await loadRoute(route, CONNECTIONS, WARMUP_SECONDS)
    const cpuBefore = await cpuMilliseconds(portal.pid!)
    const from = microsNow()
    const result = await loadRoute(route, CONNECTIONS, SECONDS)
    const to = microsNow()
    const cpu = (await cpuMilliseconds(portal.pid!)) - cpuBefore
    windows.push({
      route,
      from,
      to,
      requests: result.requests.total,
      cpuMicrosPerRequest: (1000 * cpu) / result.requests.total,
      errors: result.errors + result.timeouts + result.non2xx,
    })
  }
} finally {
  // SIGTERM: the graceful shutdown ends in process exit, where V8 writes the profile.
  await server.close()
  await db.end()
  await sqliteCopy?.remove()
}

const written = await readdir(profileDir)
const profileFile = written.find((name) => name.endsWith('.cpuprofile'))
if (!profileFile) {
  throw new Error(`the server wrote no .cpuprofile into ${profileDir}`)
}
const profile = await loadCpuProfile(join(profileDir, profileFile))
const appRoots = [fileURLToPath(new URL('../', import.meta.url))]
if (server.build) {
  appRoots.unshift(`${server.build}/`)
}

console.log(`\n${machineLine()}`)
console.log(
  `server: ${server.description} on ${sqliteCopy ? 'SQLite (copy of the seed)' : 'MariaDB'}; ${CONNECTIONS} connections, ${SECONDS} s per route after ${WARMUP_SECONDS} s warm-up, sampled every ${INTERVAL_MICROS} µs`
)
for (const { route, from, to, requests, cpuMicrosPerRequest, errors } of windows) {
  const summary = summariseWindow(profile, { from, to }, appRoots)
  if (summary.busyMicros + summary.idleMicros === 0) {
    throw new Error(`no sample of ${route.name} in the profile: clocks disagree`)
  }
  console.log(
    `\n## ${route.name}\n\n${requests} requests (${Math.round(requests / ((to - from) / 1e6))} req/s, ${errors} failed); ` +
      `server CPU ${(cpuMicrosPerRequest / 1000).toFixed(3)} ms/req (/proc); main thread sampled ` +
      `${(summary.busyMicros / requests).toFixed(1)} µs/req busy (wall clock), idle ${((100 * summary.idleMicros) / (summary.busyMicros + summary.idleMicros)).toFixed(0)} % of the main thread`
  )
  for (const line of formatSummary(
    summary,
    cpuMicrosPerRequest,
    TOP,
    Boolean(process.env.BENCH_TOTALS)
  )) {
    console.log(line)
  }
}

for (const { message, count } of await loggedErrors(logFile)) {
  console.log(`server logged ${count} × error: ${message}`)
}
await removeLog(logFile)
if (process.env.BENCH_PROFILE_KEEP) {
  console.log(`\nprofile kept: ${join(profileDir, profileFile)}`)
  for (const { route, from, to } of windows) {
    console.log(`window of ${route.name} on the profile's clock: ${from} ${to}`)
  }
} else {
  await rm(profileDir, { recursive: true, force: true })
}
if (windows.some((each) => each.errors > 0)) {
  console.error('\nsome requests failed')
  process.exit(1)
}
