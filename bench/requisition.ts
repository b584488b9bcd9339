/*
 * Requisition latency on the Docker driver: POST /api/v1/environments to
 * "running" (service answering), beside a raw dockerode create+start (and
 * create+start+port answering) of the same image, the two alternating run
 * by run so a machine whose load changes weighs on both alike; then the
 * throughput of the environment list. Run: npm run bench -- requisition
 *
 * Exits non-zero when a requisition failed or the portal took more than
 * BENCH_TARGET_RATIO (default 1.15, issue 16) times the raw engine work.
 */
import { createConnection } from 'node:net'
import autocannon from 'autocannon'
import Docker from 'dockerode'
import { HttpBrowser, PortalProcess, freePort } from '../tests/helpers/portal_process.ts'
import { benchPortalEnv } from './bench_env.ts'

const RUNS = Number(process.env.BENCH_RUNS ?? 8)
const TARGET_RATIO = Number(process.env.BENCH_TARGET_RATIO ?? 1.15)
const IMAGE = 'portal-test/busybox:1'
const COMMAND = ['/bin/sh', '-c', 'exec busybox httpd -f -p 127.0.0.1:$PORTAL_SERVICE_PORT -h /tmp']
const socketPath = process.env.DOCKER_SOCKET ?? '/var/run/docker.sock'

function median(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

async function portAnswers(port: number, deadline: number) {
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => {
        socket.destroy()
        resolve(true)
      })
      socket.on('error', () => resolve(false))
    })
    if (ok) {
      return
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error('port never answered')
}

/** The engine alone: create + start (and until the port answers) of the same container. */
async function rawDocker(docker: Docker) {
  const port = await freePort()
  const begin = performance.now()
  const container = await docker.createContainer({
    Image: IMAGE,
    Cmd: COMMAND,
    Env: [`PORTAL_SERVICE_PORT=${port}`],
    User: '1000:1000',
    HostConfig: { NetworkMode: 'host', Init: true, Memory: 64 * 1024 * 1024 },
  })
  await container.start()
  const started = performance.now() - begin
  await portAnswers(port, Date.now() + 10_000)
  const answering = performance.now() - begin
  await container.remove({ force: true })
  return { started, answering }
}

const portal = await PortalProcess.start({
  ...benchPortalEnv(),
  PORTAL_ADMIN_USERNAME: 'bench-admin',
  PORTAL_ADMIN_PASSWORD: 'bench-admin-password-123',
  LOG_FILE: '/dev/null',
  DOCKER_SOCKET: socketPath,
  // The host network (loopback ports only, as on every test engine) is refused in
  // production: the only production setting this benchmark does not keep.
  NODE_ENV: 'development',
  DOCKER_NETWORK: 'host',
  PORTAL_INSTANCE_ID: 'portal-bench',
  JOBS_ENABLED: 'false',
  QUOTA_DEFAULT_ENVIRONMENTS: '100',
})

let failures = 0
try {
  const browser = new HttpBrowser(portal.baseUrl, 60_000)
  await browser.login('bench-admin', 'bench-admin-password-123')
  const issued = await browser.request('POST', '/api/v1/auth/tokens', {
    name: 'bench',
    expiresInDays: 1,
    admin: true,
  })
  const token = issued.body.data.token as string
  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${portal.baseUrl}${path}`, {
      method,
      headers: { 'authorization': `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(async (response) => ({ status: response.status, body: (await response.json()) as any }))

  const image = await call('POST', '/api/v1/admin/images', {
    name: `bench-httpd-${Date.now()}`,
    reference: IMAGE,
    driver: 'docker',
    protocol: 'http',
    port: 8080,
    cpu: '250m',
    memory: '64Mi',
    storage: 0,
    gpus: 0,
    command: COMMAND,
    requiresExperiment: false,
    allowedRoles: ['scientist'],
  })
  if (image.status !== 201) {
    throw new Error(`image creation failed: ${JSON.stringify(image.body)}`)
  }

  const { ApiVersion } = await new Docker({ socketPath }).version()
  const docker = new Docker({ socketPath, version: `v${ApiVersion}` })
  const rawStarted: number[] = []
  const rawAnswering: number[] = []
  const toRunning: number[] = []
  const ids: number[] = []
  for (let run = 0; run < RUNS; run++) {
    const engineAlone = await rawDocker(docker)
    rawStarted.push(engineAlone.started)
    rawAnswering.push(engineAlone.answering)
    const begin = performance.now()
    const created = await call('POST', '/api/v1/environments', { imageId: image.body.data.id })
    if (created.status !== 202) {
      failures++
      continue
    }
    const id = created.body.data.id as number
    ids.push(id)
    let state = 'provisioning'
    while (state === 'provisioning') {
      await new Promise((resolve) => setTimeout(resolve, 10))
      const current = await call('GET', `/api/v1/environments/${id}`)
      state = current.body.data.state
    }
    if (state !== 'running') {
      failures++
    }
    toRunning.push(performance.now() - begin)
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
  console.log(`runs: ${RUNS} each, alternating, medians; image ${IMAGE}, host network, same engine`)
  console.log(`raw dockerode create+start:                 ${raw.started.toFixed(0)} ms`)
  console.log(`raw dockerode create+start+port answers:    ${raw.answering.toFixed(0)} ms`)
  console.log(`portal POST → running (port answers):       ${median(toRunning).toFixed(0)} ms`)
  console.log(
    `ratio portal / raw (both to port answering): ${ratio.toFixed(2)} (target ≤ ${TARGET_RATIO}: ${ratio <= TARGET_RATIO ? 'met' : 'MISSED'})`
  )
  if (ratio > TARGET_RATIO) {
    failures++
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
  await portal.stop()
}
process.exit(failures > 0 ? 1 : 0)
