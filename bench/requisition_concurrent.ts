/*
 * 100 distinct users of a populated facility (bench/seed_facility.ts)
 * requisition an environment at the same moment, each within their quota,
 * against the real Docker engine (the busybox httpd test image, host
 * network): every one must reach "running". Reports the total time, the
 * time to running per environment (p50/p99, from the server's own
 * "running" transition), the POST latency, and the same burst of raw
 * dockerode create+start for comparison; then removes everything.
 *
 *   npm run bench -- requisition_concurrent
 *   BENCH_USERS=20 BENCH_SCALE=0.1 BENCH_SERVER=source …   (quick)
 *   DB_POOL_MAX=30 …   (the server's database pool; default 10)
 *
 * Exits non-zero when any requisition failed or a container is left behind.
 */
import type Docker from 'dockerode'
import { startBenchPortal } from './built_portal.ts'
import { benchLogFile, loggedErrors, removeLog, serverDurations } from './server_log.ts'
import { peakResidentMiB, residentMiB } from './process_usage.ts'
import { connectBenchDatabase, describeFacility, mintToken, seedFacility } from './seed_facility.ts'
import { freePort } from '../tests/helpers/portal_process.ts'
import { benchPortalEnv } from './bench_env.ts'
import { benchEngine, benchImageEntry, socketPath } from './requisition_engine.ts'

const USERS = Number(process.env.BENCH_USERS ?? 100)
const IMAGE = 'portal-test/httpd:1'
const INSTANCE = 'portal-bench-burst'
const SETTLE_TIMEOUT_MS = Number(process.env.BENCH_SETTLE_SECONDS ?? 300) * 1000

function percentile(values: number[], fraction: number) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]
}

function summary(values: number[]) {
  return `p50 ${percentile(values, 0.5).toFixed(0)} ms, p99 ${percentile(values, 0.99).toFixed(0)} ms, max ${Math.max(...values).toFixed(0)} ms`
}

/** The engine alone: the same number of create+start of the same image, all at once. */
async function rawBurst(docker: Docker) {
  const ports = await Promise.all(Array.from({ length: USERS }, () => freePort()))
  const begin = performance.now()
  const durations = await Promise.all(
    ports.map(async (port) => {
      const container = await docker.createContainer({
        Image: IMAGE,
        Env: [`PORTAL_SERVICE_PORT=${port}`],
        User: '1000:1000',
        Labels: { 'portal-bench': 'raw' },
        HostConfig: { NetworkMode: 'host', Init: true, Memory: 64 * 1024 * 1024 },
      })
      await container.start()
      return performance.now() - begin
    })
  )
  const total = performance.now() - begin
  await removeContainers(docker, { label: ['portal-bench=raw'] })
  return { durations, total }
}

async function removeContainers(docker: Docker, filters: Record<string, string[]>) {
  const found = await docker.listContainers({ all: true, filters })
  await Promise.all(
    found.map((info) => docker.getContainer(info.Id).remove({ force: true, v: true }))
  )
  return found.length
}

const db = await connectBenchDatabase()
const facility = await seedFacility(db, { appKey: process.env.APP_KEY! })
for (const line of describeFacility(facility)) {
  console.log(line)
}
if (facility.idleScientists.length < USERS) {
  throw new Error(`only ${facility.idleScientists.length} scientists without environments`)
}
const requesters = facility.idleScientists.slice(0, USERS)
const tokens = await Promise.all(requesters.map((user) => mintToken(db, user.id)))
const adminToken = await mintToken(db, facility.admin.id)

const docker = await benchEngine()
const logFile = benchLogFile('requisition_concurrent')
const server = await startBenchPortal({
  ...benchPortalEnv(),
  LOG_LEVEL: 'info',
  LOG_FILE: logFile,
  DOCKER_SOCKET: socketPath,
  // The host network (loopback ports only, as on every test engine) is refused in
  // production: the only production setting this benchmark does not keep.
  NODE_ENV: 'development',
  DOCKER_NETWORK: 'host',
  PORTAL_INSTANCE_ID: INSTANCE,
  // Seeded "running" environments have no containers: the reconciler must not fail them.
  JOBS_ENABLED: 'false',
  // The seeded facility holds ~50 launches "in progress" with nothing behind them (no jobs to
  // fail them): the site-wide launch limit would count them, so it is lifted for the burst.
  ENVIRONMENT_MAX_CONCURRENT_LAUNCHES: process.env.ENVIRONMENT_MAX_CONCURRENT_LAUNCHES ?? '0',
  // The pool every request and the provisioner share (default 10); DB_POOL_MAX=30 … to compare.
  ...(process.env.DB_POOL_MAX ? { DB_POOL_MAX: process.env.DB_POOL_MAX } : {}),
})
const { portal } = server

const call = (token: string, method: string, path: string, body?: unknown) =>
  fetch(`${portal.baseUrl}${path}`, {
    method,
    headers: { 'authorization': `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).then(async (response) => ({ status: response.status, body: (await response.json()) as any }))

/** Polls the database until none of the environments is in `state`; returns their states. */
async function settle(ids: number[], leaving: string) {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS
  while (true) {
    const [rows] = (await db.query('SELECT id, state FROM environments WHERE id IN (?)', [
      ids,
    ])) as any
    if (rows.every((row: { state: string }) => row.state !== leaving) || Date.now() > deadline) {
      return new Map<number, string>(rows.map((row: any) => [row.id, row.state]))
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

let errors = 0
const ids: number[] = []
const ownerTokens = new Map<number, string>()
try {
  const image = await call(
    adminToken,
    'POST',
    '/api/v1/admin/images',
    benchImageEntry('bench-burst-httpd', IMAGE)
  )
  if (image.status !== 201) {
    throw new Error(`image creation failed: ${JSON.stringify(image.body)}`)
  }

  const raw = await rawBurst(docker)
  const idleMiB = await residentMiB(portal.pid!)

  // The burst: every request leaves at once.
  const sentAt = Date.now()
  const begin = performance.now()
  const answers = await Promise.all(
    tokens.map(async (token) => {
      const answer = await call(token, 'POST', '/api/v1/environments', {
        imageId: image.body.data.id,
      })
      return { ...answer, token, ms: performance.now() - begin }
    })
  )
  for (const answer of answers) {
    if (answer.status === 202) {
      ids.push(answer.body.data.id)
      ownerTokens.set(answer.body.data.id, answer.token)
    } else {
      errors++
      console.error(`refused: ${answer.status} ${JSON.stringify(answer.body)}`)
    }
  }

  const states = ids.length ? await settle(ids, 'provisioning') : new Map()
  const total = performance.now() - begin
  const [running] = (await db.query(
    `SELECT environment_id, MIN(occurred_at) AS at FROM environment_events
     WHERE environment_id IN (?) AND state = 'running' GROUP BY environment_id`,
    [ids.length ? ids : [0]]
  )) as any
  const toRunning = running.map((row: { at: Date }) => row.at.getTime() - sentAt)
  for (const [id, state] of states) {
    if (state !== 'running') {
      errors++
      const [[failed]] = (await db.query('SELECT failure_reason FROM environments WHERE id = ?', [
        id,
      ])) as any
      console.error(`environment ${id}: ${state} ${failed?.failure_reason ?? ''}`)
    }
  }
  const peakMiB = await peakResidentMiB(portal.pid!)

  console.log(
    `\nserver: ${server.description}; image ${IMAGE}, host network; DB_POOL_MAX ${process.env.DB_POOL_MAX ?? '10 (default)'}`
  )
  console.log(`burst of ${USERS} requisitions by ${USERS} distinct users:`)
  console.log(`  accepted (202):            ${ids.length} / ${USERS}`)
  console.log(`  running:                   ${toRunning.length} / ${USERS}`)
  console.log(`  POST answered:             ${summary(answers.map((answer) => answer.ms))}`)
  const handled = await serverDurations(logFile, 'POST', '/api/v1/environments')
  if (handled.length) {
    console.log(`  POST in the server:        ${summary(handled)} (request log)`)
  }
  if (toRunning.length) {
    console.log(`  time to running:           ${summary(toRunning)}`)
  }
  console.log(`  all settled after:         ${(total / 1000).toFixed(1)} s`)
  console.log(
    `raw dockerode create+start of ${USERS} at once: ${summary(raw.durations)}; all in ${(raw.total / 1000).toFixed(1)} s`
  )
  console.log(`server resident memory: ${idleMiB} MiB before the burst, peak ${peakMiB} MiB`)
  console.log(`errors: ${errors}`)
} finally {
  // Each owner removes their own environment; the engine must end up empty.
  await Promise.all(
    ids.map((id) =>
      call(ownerTokens.get(id)!, 'DELETE', `/api/v1/environments/${id}`).catch(() => null)
    )
  )
  if (ids.length) {
    await settle(ids, 'removing')
  }
  const leftovers = await removeContainers(docker, {
    label: [`facility-portal.instance=${INSTANCE}`],
  })
  if (leftovers > 0) {
    errors++
    console.error(`${leftovers} containers were left behind (removed now)`)
  }
  await server.close()
  await db.end()
  for (const { message, count } of await loggedErrors(logFile)) {
    console.log(`server logged ${count} × error: ${message}`)
  }
  await removeLog(logFile)
}
process.exit(errors > 0 ? 1 : 0)
