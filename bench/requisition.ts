/*
 * Requisition latency on the Docker driver: POST /api/v1/environments to
 * "running" (service answering), beside a raw dockerode create+start (and
 * create+start+port answering) of the same image, the two alternating run
 * by run so a machine whose load changes weighs on both alike; then the
 * throughput of the environment list. Run: npm run bench -- requisition
 *
 * The portal is the shipped one (a build, log level info, to a file) unless
 * BENCH_SERVER=source. Where a requisition's time goes is read back from
 * its journal (environment_events, millisecond timestamps): each step's
 * median time after the POST left, beside the server's own POST duration.
 *
 * Exits non-zero when a requisition failed or the portal took more than
 * BENCH_TARGET_RATIO (default 1.15, issue 16) times the raw engine work.
 */
import autocannon from 'autocannon'
import { startBenchPortal } from './built_portal.ts'
import { benchLogFile, loggedErrors, removeLog, serverDurations } from './server_log.ts'
import { connectBenchDatabase } from './seed_facility.ts'
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

const RUNS = Number(process.env.BENCH_RUNS ?? 8)
const TARGET_RATIO = Number(process.env.BENCH_TARGET_RATIO ?? 1.15)
// How the bench learns "running": the progress stream (the console's way) or GET polling.
const WATCH = process.env.BENCH_WATCH === 'poll' ? 'poll' : 'stream'

/** The journal's steps of one requisition, in ms after the POST left (the first entry of each). */
async function journalSteps(db: Awaited<ReturnType<typeof connectBenchDatabase>>, id: number) {
  const [rows] = (await db.query(
    'SELECT step, occurred_at FROM environment_events WHERE environment_id = ? ORDER BY id',
    [id]
  )) as any
  const steps = new Map<string, number>()
  for (const row of rows as { step: string; occurred_at: Date }[]) {
    if (!steps.has(row.step)) {
      steps.set(row.step, row.occurred_at.getTime())
    }
  }
  return steps
}

// The journal's steps of a launch, in the order they happen.
const STEPS = ['quota', 'image', 'created', 'started', 'reachable', 'ready']

const db = await connectBenchDatabase()
const logFile = benchLogFile('requisition')
const server = await startBenchPortal({
  ...requisitionPortalEnv(logFile, 'portal-bench'),
  QUOTA_DEFAULT_ENVIRONMENTS: '100',
})
const { portal } = server

let failures = 0
try {
  const { token, call } = await adminCaller(portal.baseUrl, 'bench')

  /** Asks for the environment every 10 ms until it leaves "provisioning" (BENCH_WATCH=poll). */
  const pollUntilSettled = async (id: number) => {
    let state = 'provisioning'
    while (state === 'provisioning') {
      await new Promise((resolve) => setTimeout(resolve, 10))
      const current = await call('GET', `/api/v1/environments/${id}`)
      state = current.body.data.state
    }
    return state
  }
  /** Follows the progress stream, as the console does, to its final event ("ready": running). */
  const streamUntilSettled = async (id: number) => {
    const response = await fetch(`${portal.baseUrl}/api/v1/environments/${id}/events`, {
      headers: { authorization: `Bearer ${token}` },
    })
    const text = await response.text()
    const final = /event: (ready|failed|stopped|removed)\n/.exec(text)?.[1]
    return final === 'ready' ? 'running' : (final ?? 'unknown')
  }

  const image = await call(
    'POST',
    '/api/v1/admin/images',
    benchImageEntry('bench-httpd', HTTPD_IMAGE, HTTPD_COMMAND)
  )
  if (image.status !== 201) {
    throw new Error(`image creation failed: ${JSON.stringify(image.body)}`)
  }

  const docker = await benchEngine()
  const rawStarted: number[] = []
  const rawAnswering: number[] = []
  const toRunning: number[] = []
  const answered: number[] = []
  const stepTimes = new Map<string, number[]>(STEPS.map((step) => [step, []]))
  const ids: number[] = []
  // The first answer other than 202, to show when none was accepted.
  let refusal: string | undefined
  for (let run = 0; run < RUNS; run++) {
    const engineAlone = await rawRequisition(docker)
    rawStarted.push(engineAlone.started)
    rawAnswering.push(engineAlone.answering)
    const sentAt = Date.now()
    const begin = performance.now()
    const created = await call('POST', '/api/v1/environments', { imageId: image.body.data.id })
    answered.push(performance.now() - begin)
    if (created.status !== 202) {
      failures++
      refusal ??= `${created.status} ${JSON.stringify(created.body)}`
      continue
    }
    const id = created.body.data.id as number
    ids.push(id)
    const state = WATCH === 'poll' ? await pollUntilSettled(id) : await streamUntilSettled(id)
    if (state !== 'running') {
      failures++
    }
    toRunning.push(performance.now() - begin)
    for (const [step, at] of await journalSteps(db, id)) {
      stepTimes.get(step)?.push(at - sentAt)
    }
  }

  if (toRunning.length === 0) {
    throw new Error(`no requisition was accepted; the first POST was answered ${refusal}`)
  }

  const list = await autocannon({
    url: `${portal.baseUrl}/api/v1/environments`,
    connections: 8,
    duration: 10,
    headers: { authorization: `Bearer ${token}` },
  })
  failures += list.errors + list.non2xx

  const raw = { started: median(rawStarted), answering: median(rawAnswering) }
  const ratio = median(toRunning) / raw.answering
  console.log(`server: ${server.description}`)
  console.log(
    `runs: ${RUNS} each, alternating, medians; image ${HTTPD_IMAGE}, host network, same engine; running seen by ${WATCH === 'poll' ? 'GET every 10 ms' : 'the progress stream'}`
  )
  console.log(`raw dockerode create+start:                 ${raw.started.toFixed(0)} ms`)
  console.log(`raw dockerode create+start+port answers:    ${raw.answering.toFixed(0)} ms`)
  console.log(`portal POST → running (port answers):       ${median(toRunning).toFixed(0)} ms`)
  console.log(
    `ratio portal / raw (both to port answering): ${ratio.toFixed(2)} (target ≤ ${TARGET_RATIO}: ${ratio <= TARGET_RATIO ? 'met' : 'MISSED'})`
  )
  if (ratio > TARGET_RATIO) {
    failures++
  }
  const handled = await serverDurations(logFile, 'POST', '/api/v1/environments')
  console.log(
    `POST answered: ${median(answered).toFixed(0)} ms at the client, ${handled.length ? median(handled).toFixed(1) : '?'} ms in the server (its request log)`
  )
  console.log('journal steps, ms after the POST left (medians):')
  for (const [step, times] of stepTimes) {
    if (times.length > 0) {
      console.log(`  ${step.padEnd(10)} ${median(times).toFixed(0).padStart(5)}`)
    }
  }
  console.log(
    `GET /api/v1/environments (${ids.length} environments, 8 connections): ${Math.round(list.requests.average)} req/s, p50 ${list.latency.p50} ms, p99 ${list.latency.p99} ms`
  )

  for (const id of ids) {
    await call('DELETE', `/api/v1/environments/${id}`)
  }
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    const remaining = await call('GET', '/api/v1/environments?perPage=100')
    if (remaining.body.data.length === 0) {
      break
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
} finally {
  await server.close()
  await db.end()
  // Also when the run stopped early: what the server logged tells why.
  for (const { message, count } of await loggedErrors(logFile)) {
    console.error(`server logged ${count}× ${message}`)
  }
}
await removeLog(logFile)
process.exit(failures > 0 ? 1 : 0)
