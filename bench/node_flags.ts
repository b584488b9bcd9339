/*
 * What a set of Node flags costs and saves (issue 16, stop 26): one build,
 * started in turn with each variant's flags (alternating, BENCH_REPEAT
 * rounds), each time: resident memory idle after start, then server CPU
 * per request on /health/live and GET /api/v1/me (8 connections, after a
 * warm-up), the young generation's size and the scavenges under that load,
 * and the peak. Back to back on one machine, so the variants see the same
 * load from other processes.
 *
 *   BENCH_VARIANTS='shipped;semi16=--max-semi-space-size=16 --min-semi-space-size=16' \
 *     BENCH_SCALE=0.1 npm run bench -- node_flags
 *
 * A variant is `label=flags`; "shipped" alone is the build's "serve" flags.
 */
import { rm } from 'node:fs/promises'
import os from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import { BuiltPortal, buildPortal, removeBuild, shippedNodeFlags } from './built_portal.ts'
import { benchPortalEnv } from './bench_env.ts'
import { benchLogFile, removeLog } from './server_log.ts'
import { cpuMilliseconds, peakResidentMiB, residentMiB } from './process_usage.ts'
import { memoryProbeEnv, readMemoryProbe } from './memory_probe_reader.ts'
import { connectBenchDatabase, mintToken, seedFacility } from './seed_facility.ts'
import { loadAverage } from './machine.ts'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2)
const REPEAT = Number(process.env.BENCH_REPEAT ?? 2)
const SETTLE_MS = 3000

const db = await connectBenchDatabase()
const facility = await seedFacility(db, { appKey: process.env.APP_KEY! })
const scientist = await mintToken(db, facility.scientist.id)
await db.end()

const build = await buildPortal()
const shipped = await shippedNodeFlags(build.build)
const variants = (process.env.BENCH_VARIANTS ?? 'shipped').split(';').map((text) => {
  const [label, flags] = text.includes('=')
    ? [text.slice(0, text.indexOf('=')), text.slice(text.indexOf('=') + 1)]
    : [text, null]
  return { label, flags: flags === null ? shipped : flags.split(' ').filter(Boolean) }
})
const probeFile = join(os.tmpdir(), `portal-bench-flags-${process.pid}.json`)
const logFile = benchLogFile('node_flags')

const probe = (pid: number) => readMemoryProbe(pid, probeFile)

const rows: string[] = []
try {
  for (let round = 0; round < REPEAT; round++) {
    for (const variant of variants) {
      const portal = await BuiltPortal.start(
        build.build,
        {
          ...benchPortalEnv(),
          LOG_LEVEL: 'info',
          LOG_FILE: logFile,
          JOBS_ENABLED: 'false',
          ...memoryProbeEnv(probeFile),
        },
        variant.flags
      )
      const pid = portal.pid!
      try {
        await new Promise((resolve) => setTimeout(resolve, SETTLE_MS))
        const idle = await residentMiB(pid)
        const idleReport = await probe(pid)
        const cells: string[] = []
        for (const path of ['/health/live', '/api/v1/me']) {
          const options = {
            url: `${portal.baseUrl}${path}`,
            connections: 8,
            headers: { authorization: `Bearer ${scientist}` },
          }
          await autocannon({ ...options, duration: WARMUP_SECONDS })
          const before = await probe(pid)
          const cpuBefore = await cpuMilliseconds(pid)
          const result = await autocannon({ ...options, duration: SECONDS })
          const cpu = ((await cpuMilliseconds(pid)) - cpuBefore) / result.requests.total
          const after = await probe(pid)
          const scavenges = after.collections.young.count - before.collections.young.count
          const other = after.collections.other.count - before.collections.other.count
          cells.push(
            `${Math.round(result.requests.average)} | ${cpu.toFixed(3)} | ${scavenges}/${other} | ` +
              `${after.spaces.new_space.residentMiB.toFixed(0)}`
          )
        }
        rows.push(
          `| ${round + 1} | ${variant.label} | ${idle} | ${idleReport.spaces.new_space.residentMiB.toFixed(0)} | ` +
            `${idleReport.externalMiB.toFixed(0)} | ${cells.join(' | ')} | ${await peakResidentMiB(pid)} |`
        )
        console.log(rows.at(-1))
      } finally {
        await portal.stop()
      }
    }
  }
} finally {
  await removeBuild(build.scratch)
  await rm(probeFile, { force: true })
  await removeLog(logFile)
}
console.log(
  `\nload average ${loadAverage()}; ${SECONDS} s per route after ${WARMUP_SECONDS} s of warm-up, 8 connections\n`
)
for (const variant of variants) {
  console.log(`${variant.label}: node ${variant.flags.join(' ')} bin/server.js`)
}
console.log(
  '\n| round | variant | idle RSS | idle new space | idle external | live req/s | live CPU ms/req | live scav./other | new space after | me req/s | me CPU ms/req | me scav./other | new space after | VmHWM |'
)
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |')
console.log(rows.join('\n'))
