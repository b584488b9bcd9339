/*
 * Reads of a populated facility (bench/seed_facility.ts: 10,000 users,
 * 100,000 experiments, 2,000 environments) under load, each beside a
 * trivial route of the same server (the framework's ceiling on this
 * machine), at 8 and 32 connections; plus the server's resident memory at
 * idle and under that load. Bearer tokens, so no CSRF or session.
 *
 *   npm run bench -- http_load
 *   BENCH_SECONDS=3 BENCH_SCALE=0.1 npm run bench -- http_load   (quick)
 *   BENCH_SERVER=source …   (TypeScript through ts-exec instead of a build)
 *   BENCH_ROUTES=admin/experiments …   (the ceiling and these routes only)
 *
 * Exits non-zero when any request failed or answered other than 2xx.
 */
import os from 'node:os'
import autocannon from 'autocannon'
import { startBenchPortal } from './built_portal.ts'
import { benchLogFile, loggedErrors, removeLog } from './server_log.ts'
import { cpuMilliseconds, peakResidentMiB, residentMiB, sampleResident } from './process_usage.ts'
import { connectBenchDatabase, describeFacility, mintToken, seedFacility } from './seed_facility.ts'
import { benchPortalEnv } from './bench_env.ts'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3)
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? '8,32').split(',').map(Number)

const db = await connectBenchDatabase()
const facility = await seedFacility(db, { appKey: process.env.APP_KEY! })
for (const line of describeFacility(facility)) {
  console.log(line)
}
const scientistToken = await mintToken(db, facility.scientist.id)
const adminToken = await mintToken(db, facility.admin.id)
const [[mariadb]] = (await db.query('SELECT VERSION() AS version')) as any
await db.end()

const logFile = benchLogFile('http_load')
const server = await startBenchPortal({
  ...benchPortalEnv(),
  LOG_LEVEL: 'info',
  LOG_FILE: logFile,
  // Seeded "running" environments have no containers: the reconciler must not fail them.
  JOBS_ENABLED: 'false',
})
const { portal } = server
const pid = portal.pid!

const lastAdminPage = Math.ceil(facility.size.experiments / 20)
const deepScientistPage = Math.max(1, Math.ceil(facility.scientist.experiments / 5))
const search = encodeURIComponent(facility.scientist.searchTerm)
const routes = [
  { name: 'GET /health/live (ceiling)', path: '/health/live', token: null },
  { name: 'GET /api/v1/me', path: '/api/v1/me', token: scientistToken },
  { name: 'GET /api/v1/experiments (page 1)', path: '/api/v1/experiments', token: scientistToken },
  {
    name: `GET /api/v1/experiments?search=${facility.scientist.searchTerm}`,
    path: `/api/v1/experiments?search=${search}`,
    token: scientistToken,
  },
  {
    name: `GET /api/v1/experiments?perPage=5&page=${deepScientistPage} (last page)`,
    path: `/api/v1/experiments?perPage=5&page=${deepScientistPage}`,
    token: scientistToken,
  },
  { name: 'GET /api/v1/environments', path: '/api/v1/environments', token: scientistToken },
  {
    name: 'GET /api/v1/admin/environments (admin)',
    path: '/api/v1/admin/environments',
    token: adminToken,
  },
  {
    name: 'GET /api/v1/admin/experiments (admin, page 1)',
    path: '/api/v1/admin/experiments',
    token: adminToken,
  },
  {
    name: `GET /api/v1/admin/experiments?page=${lastAdminPage} (admin, last)`,
    path: `/api/v1/admin/experiments?page=${lastAdminPage}`,
    token: adminToken,
  },
  {
    name: `GET /api/v1/admin/experiments?search=${facility.scientist.searchTerm} (admin)`,
    path: `/api/v1/admin/experiments?search=${search}`,
    token: adminToken,
  },
]

// BENCH_ROUTES=experiments,admin/environments keeps the routes whose path holds one of them.
const only = process.env.BENCH_ROUTES?.split(',')
const measured = routes.filter(
  (route, index) => index === 0 || !only || only.some((part) => route.path.includes(part))
)

function load(route: (typeof routes)[number], connections: number, duration: number) {
  return autocannon({
    url: `${portal.baseUrl}${route.path}`,
    connections,
    duration,
    headers: route.token ? { authorization: `Bearer ${route.token}` } : {},
  })
}

let failures = 0
const refusals: string[] = []
try {
  // Every route answers 200 with data before anything is measured.
  for (const route of measured) {
    const response = await fetch(`${portal.baseUrl}${route.path}`, {
      headers: route.token ? { authorization: `Bearer ${route.token}` } : {},
    })
    const body = (await response.json()) as { data?: unknown[] | object }
    const empty = Array.isArray(body.data) && body.data.length === 0
    if (response.status !== 200 || empty) {
      throw new Error(`${route.name}: ${response.status} ${JSON.stringify(body).slice(0, 300)}`)
    }
  }

  const idleColdMiB = await residentMiB(pid)
  for (const route of measured) {
    await load(route, 8, WARMUP_SECONDS)
  }
  await new Promise((resolve) => setTimeout(resolve, 2000))
  const idleWarmMiB = await residentMiB(pid)

  console.log(
    `\nmachine: ${os.cpus().length} × ${os.cpus()[0].model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
      `load average ${os
        .loadavg()
        .map((value) => value.toFixed(2))
        .join(' ')}, Node ${process.version}, MariaDB ${mariadb.version}`
  )
  console.log(
    `server: ${server.description}; ${SECONDS} s per run, warm-up ${WARMUP_SECONDS} s per route\n`
  )
  console.log(
    '| route | connections | req/s | p50 ms | p99 ms | vs ceiling | server CPU ms/req | errors | non-2xx | peak RSS MiB |'
  )
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |')

  for (const connections of CONNECTIONS) {
    let ceiling = 0
    for (const route of measured) {
      const sampler = sampleResident(pid)
      const cpuBefore = await cpuMilliseconds(pid)
      const result = await load(route, connections, SECONDS)
      const cpuPerRequest = ((await cpuMilliseconds(pid)) - cpuBefore) / result.requests.total
      const peakMiB = sampler.stop()
      const rps = result.requests.average
      ceiling ||= rps
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
      console.log(
        `| ${route.name} | ${connections} | ${Math.round(rps)} | ${result.latency.p50} | ${result.latency.p99} | ${(rps / ceiling).toFixed(2)} | ${cpuPerRequest.toFixed(2)} | ${errors} | ${result.non2xx} | ${peakMiB} |`
      )
    }
  }

  console.log(
    `\nserver resident memory: idle ${idleColdMiB} MiB after start, ${idleWarmMiB} MiB after warm-up; ` +
      `peak ${await peakResidentMiB(pid)} MiB (VmHWM); now ${await residentMiB(pid)} MiB`
  )
  for (const refusal of refusals) {
    console.log(`failed: ${refusal}`)
  }
} finally {
  await server.close()
  for (const { message, count } of await loggedErrors(logFile)) {
    console.log(`server logged ${count} × error: ${message}`)
  }
  await removeLog(logFile)
}

if (failures > 0) {
  console.error(`\n${failures} failed or non-2xx requests`)
  process.exit(1)
}
