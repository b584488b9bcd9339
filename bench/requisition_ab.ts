/*
 * Two builds' requisitions against each other on a busy machine, as
 * bench/ab_builds.ts does for HTTP routes: "before" (the working tree of
 * another checkout, BENCH_AB_BEFORE) and "after" (this one) are built and
 * started side by side on one engine and one database, and each round runs
 * raw dockerode create + start + port answering, one build's POST
 * /api/v1/environments → "ready" on its progress stream, raw again, then
 * the other build (the order of the builds alternating), so that both see
 * the same moments of the machine's load. Printed: the medians, each
 * build's ratio to raw (bench/requisition.ts's figure), the median of the
 * paired differences (after − before, same round) and each server's CPU
 * per requisition (/proc, 10 ms ticks).
 *
 *   BENCH_AB_BEFORE=/path/to/main/checkout npm run bench -- requisition_ab
 *   BENCH_RUNS=20 …
 */
import { join } from 'node:path'
import { buildPortal, BuiltPortal, removeBuild } from './built_portal.ts'
import { cpuMilliseconds } from './process_usage.ts'
import { benchLogFile, loggedErrors, removeLog } from './server_log.ts'
import {
  HTTPD_COMMAND,
  HTTPD_IMAGE,
  benchEngine,
  benchImageEntry,
  adminCaller,
  median,
  rawRequisition,
  requisitionPortalEnv,
} from './requisition_engine.ts'

const BEFORE = process.env.BENCH_AB_BEFORE
if (!BEFORE) {
  throw new Error('BENCH_AB_BEFORE: the checkout to build as "before"')
}
const RUNS = Number(process.env.BENCH_RUNS ?? 20)
const sides = ['before', 'after'] as const
type Side = (typeof sides)[number]

const docker = await benchEngine()

/** One build's portal with an admin token and a busybox httpd image of its own. */
async function startSide(side: Side, build: string) {
  const logFile = benchLogFile(`requisition_ab_${side}`)
  const portal = await BuiltPortal.start(build, {
    ...requisitionPortalEnv(logFile, `portal-bench-${side}`),
    // Both builds' environments are the one admin's and stay until the end (250m CPU each).
    QUOTA_DEFAULT_ENVIRONMENTS: '1000',
    QUOTA_DEFAULT_CPU: '1000',
  })
  const { token, call } = await adminCaller(portal.baseUrl, `bench-${side}`)
  const image = await call(
    'POST',
    '/api/v1/admin/images',
    benchImageEntry(`bench-httpd-${side}`, HTTPD_IMAGE, HTTPD_COMMAND)
  )
  if (image.status !== 201) {
    throw new Error(`image creation failed: ${JSON.stringify(image.body)}`)
  }
  const ids: number[] = []
  const cpu: number[] = []
  /** POST → the progress stream's final event; its time, or null when it did not run. */
  const requisition = async () => {
    const cpuBefore = await cpuMilliseconds(portal.pid!)
    const begin = performance.now()
    const created = await call('POST', '/api/v1/environments', { imageId: image.body.data.id })
    if (created.status !== 202) {
      console.error(`${side}: POST answered ${created.status} ${JSON.stringify(created.body)}`)
      return null
    }
    ids.push(created.body.data.id)
    const stream = await fetch(`${portal.baseUrl}/api/v1/environments/${ids.at(-1)}/events`, {
      headers: { authorization: `Bearer ${token}` },
    })
    const events = await stream.text()
    const took = performance.now() - begin
    cpu.push((await cpuMilliseconds(portal.pid!)) - cpuBefore)
    if (!/event: ready\n/.test(events)) {
      console.error(`${side}: environment ${ids.at(-1)} did not run: ${events.slice(-300)}`)
      return null
    }
    return took
  }
  const removeAll = async () => {
    for (const id of ids) {
      await call('DELETE', `/api/v1/environments/${id}`)
    }
  }
  return { portal, logFile, requisition, removeAll, cpu }
}

const { buildPortal: buildBefore } = (await import(
  join(BEFORE, 'bench/built_portal.ts')
)) as typeof import('./built_portal.ts')
const builds = { before: await buildBefore(), after: await buildPortal() }
const started: Partial<Record<Side, Awaited<ReturnType<typeof startSide>>>> = {}
let failures = 0
try {
  for (const side of sides) {
    started[side] = await startSide(side, builds[side].build)
  }
  const times: Record<Side | 'raw', number[]> = { raw: [], before: [], after: [] }
  for (let run = 0; run < RUNS; run++) {
    for (const side of run % 2 === 0 ? sides : [...sides].reverse()) {
      const engineAlone = await rawRequisition(docker)
      times.raw.push(engineAlone.answering)
      const took = await started[side]!.requisition()
      if (took === null) {
        failures++
      } else {
        times[side].push(took)
      }
    }
  }
  const raw = median(times.raw)
  const paired = times.after.map((after, index) => after - times.before[index])
  console.log(`runs: ${RUNS} per build, raw before each; medians`)
  console.log(`raw dockerode create+start+port answers: ${raw.toFixed(0)} ms`)
  for (const side of sides) {
    const portal = median(times[side])
    console.log(
      `${side.padEnd(6)} POST → running: ${portal.toFixed(0)} ms, ratio ${(portal / raw).toFixed(2)}, server CPU ${median(started[side]!.cpu)} ms per requisition`
    )
  }
  console.log(
    `paired after − before: median ${median(paired).toFixed(1)} ms; after faster in ${paired.filter((difference) => difference < 0).length} of ${paired.length}`
  )
  for (const side of sides) {
    await started[side]!.removeAll()
  }
  // The removals run in the background: a moment before the servers stop.
  await new Promise((resolve) => setTimeout(resolve, 3000))
} finally {
  for (const side of sides) {
    await started[side]?.portal.stop()
  }
  for (const side of sides) {
    await removeBuild(builds[side].scratch)
  }
}
for (const side of sides) {
  const logFile = started[side]?.logFile
  if (logFile) {
    for (const { message, count } of await loggedErrors(logFile)) {
      console.error(`${side} server logged ${count}× ${message}`)
    }
    await removeLog(logFile)
  }
}
process.exit(failures > 0 ? 1 : 0)
