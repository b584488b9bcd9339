/*
 * Where the built server's memory goes (issue 16: idle ≤ 120 MiB, peak
 * under the read load ≤ 220 MiB). Starts the build as production starts it
 * (bench/built_portal.ts: the "serve" script's Node flags) on the seeded
 * facility, with bench/memory_probe.js loaded, and prints resident memory
 * (VmRSS) next to process.memoryUsage(), the V8 new space and the module
 * count at five moments: idle after start (no request yet), after one
 * request per read route, at the peak under the read load (VmHWM, 8 then
 * 32 connections per route), idle after it and at rest (BENCH_REST_SECONDS,
 * 45 by default: the portal releases memory after 30 s at rest). Then the packages holding
 * the most loaded source, and req/s with server CPU per request, so that
 * a change of Node flags shows its CPU cost in the same run.
 *
 *   npm run bench -- memory
 *   BENCH_SCALE=0.05 BENCH_SECONDS=3 npm run bench -- memory   (quick)
 *
 * The probe's own cost (a module hook and a map of ~1,700 URLs) is about
 * 1 MiB resident, within the run-to-run noise; bench/http_load.ts measures
 * without it.
 */
import os from 'node:os'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import autocannon from 'autocannon'
import { startBenchPortal } from './built_portal.ts'
import { benchPortalEnv } from './bench_env.ts'
import { benchLogFile, removeLog } from './server_log.ts'
import { cpuMilliseconds, peakResidentMiB, residentMiB } from './process_usage.ts'
import { memoryProbeEnv, readMemoryProbe } from './memory_probe_reader.ts'
import { connectBenchDatabase, describeFacility, mintToken, seedFacility } from './seed_facility.ts'
import { machineLine } from './machine.ts'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const SETTLE_MS = 3000
const REST_SECONDS = Number(process.env.BENCH_REST_SECONDS ?? 45)

const db = await connectBenchDatabase()
const facility = await seedFacility(db, { appKey: process.env.APP_KEY! })
for (const line of describeFacility(facility)) {
  console.log(line)
}
const scientist = await mintToken(db, facility.scientist.id)
const admin = await mintToken(db, facility.admin.id)
await db.end()

const probeFile = join(os.tmpdir(), `portal-bench-memory-${process.pid}.json`)
const logFile = benchLogFile('memory')
const server = await startBenchPortal({
  ...benchPortalEnv(),
  LOG_LEVEL: 'info',
  LOG_FILE: logFile,
  JOBS_ENABLED: 'false',
  ...memoryProbeEnv(probeFile),
})
const { portal } = server
const pid = portal.pid!

const routes: Array<[string, string]> = [
  ['/api/v1/me', scientist],
  ['/api/v1/experiments', scientist],
  ['/api/v1/environments', scientist],
  ['/api/v1/images', scientist],
  ['/api/v1/admin/environments', admin],
  ['/api/v1/admin/experiments', admin],
  [`/api/v1/admin/experiments?search=${facility.scientist.searchTerm}`, admin],
]

const probe = () => readMemoryProbe(pid, probeFile)

const rows: string[] = []
async function moment(name: string, rssMiB?: number) {
  const report = await probe()
  const newSpace = report.spaces.new_space
  const f = (value: number) => value.toFixed(0)
  rows.push(
    `| ${name} | ${rssMiB ?? (await residentMiB(pid))} | ${f(report.heapTotalMiB)} | ${f(report.heapUsedMiB)} | ` +
      `${f(newSpace.residentMiB)} | ${f(report.externalMiB)} | ${f(report.arrayBuffersMiB)} | ` +
      `${f(report.mallocedMiB)} (peak ${f(report.peakMallocedMiB)}) | ${report.modules} |`
  )
  return report
}

const loads: string[] = []
let requests = 0
let cpuMs = 0
try {
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS))
  await moment('idle after start')

  for (const [path, token] of routes) {
    const response = await fetch(`${portal.baseUrl}${path}`, {
      headers: { authorization: `Bearer ${token}` },
    })
    const body = await response.text()
    if (response.status !== 200) {
      throw new Error(`${path}: ${response.status} ${body.slice(0, 300)}`)
    }
  }
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS))
  const beforeLoad = await moment('after one request per route')

  for (const connections of [8, 32]) {
    for (const [path, token] of routes) {
      const cpuBefore = await cpuMilliseconds(pid)
      const result = await autocannon({
        url: `${portal.baseUrl}${path}`,
        connections,
        duration: SECONDS,
        headers: { authorization: `Bearer ${token}` },
      })
      const spent = (await cpuMilliseconds(pid)) - cpuBefore
      const cpu = spent / result.requests.total
      requests += result.requests.total
      cpuMs += spent
      loads.push(
        `| ${path} | ${connections} | ${Math.round(result.requests.average)} | ${result.latency.p99} | ` +
          `${cpu.toFixed(3)} | ${result.errors + result.timeouts + result.non2xx} | ${await residentMiB(pid)} |`
      )
    }
  }
  const afterLoad = await moment('peak under the read load (VmHWM)', await peakResidentMiB(pid))
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS))
  const after = await moment('idle after the load')
  // The portal gives memory back once it has rested 30 s (IdleMemoryRelease, checked every 10 s).
  await new Promise((resolve) => setTimeout(resolve, REST_SECONDS * 1000))
  await moment(`at rest ${REST_SECONDS} s after the load`)

  console.log(`\n${machineLine()}`)
  console.log(`server: ${server.description}; ${SECONDS} s per route and connection count\n`)
  console.log(
    '| moment | VmRSS MiB | heapTotal | heapUsed | new space resident | external | arrayBuffers | V8 malloced | modules |'
  )
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |')
  console.log(rows.join('\n'))
  console.log('\n| package | modules | source MiB |\n| --- | --- | --- |')
  for (const entry of after.packages.slice(0, 15)) {
    console.log(`| ${entry.name} | ${entry.modules} | ${entry.sourceMiB.toFixed(2)} |`)
  }
  console.log(
    '\n| route | conn. | req/s | p99 ms | server CPU ms/req | failed | VmRSS after |\n| --- | --- | --- | --- | --- | --- | --- |'
  )
  console.log(loads.join('\n'))
  // What the young generation's size costs: collections run on the main thread, inside CPU per request.
  const during = (kind: 'young' | 'other') => ({
    count: afterLoad.collections[kind].count - beforeLoad.collections[kind].count,
    ms: afterLoad.collections[kind].ms - beforeLoad.collections[kind].ms,
  })
  const young = during('young')
  const other = during('other')
  console.log(
    `\ngarbage collection under the load: ${young.count} scavenges (${young.ms.toFixed(0)} ms), ` +
      `${other.count} other (${other.ms.toFixed(0)} ms); ${((young.ms + other.ms) / requests).toFixed(3)} ms ` +
      `per request of ${(cpuMs / requests).toFixed(3)} ms server CPU per request (${requests} requests)`
  )
} finally {
  await server.close()
  await rm(probeFile, { force: true })
  await removeLog(logFile)
}
