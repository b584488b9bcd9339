/*
 * What the requisition benchmarks share: the engine they talk to, the
 * busybox httpd image entry they requisition, and the raw dockerode
 * create + start + port answering that a requisition is measured against.
 */
import Docker from 'dockerode'
import { HttpBrowser, freePort } from '../tests/helpers/portal_process.ts'
import { waitForTcp } from '../app/services/provisioning/tcp_readiness.ts'
import { benchPortalEnv } from './bench_env.ts'

export const socketPath = process.env.DOCKER_SOCKET ?? '/var/run/docker.sock'

/** The engine at its own API version (no version negotiation per call). */
export async function benchEngine() {
  const { ApiVersion } = await new Docker({ socketPath }).version()
  return new Docker({ socketPath, version: `v${ApiVersion}` })
}

/** A catalogue entry for a service answering on the port the portal gives it. */
export function benchImageEntry(name: string, reference: string, command?: string[]) {
  return {
    name: `${name}-${Date.now()}`,
    reference,
    driver: 'docker',
    protocol: 'http',
    port: 8080,
    cpu: '250m',
    memory: '64Mi',
    storage: 0,
    gpus: 0,
    ...(command ? { command } : {}),
    requiresExperiment: false,
    allowedRoles: ['scientist'],
  }
}

/** The single-requisition benchmarks' image: busybox httpd on the given port. */
export const HTTPD_IMAGE = 'portal-test/busybox:1'
export const HTTPD_COMMAND = [
  '/bin/sh',
  '-c',
  'exec busybox httpd -f -p 127.0.0.1:$PORTAL_SERVICE_PORT -h /tmp',
]

export function median(values: number[]) {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
}

/**
 * Waits until the port accepts a connection, with the portal's own probe (at once, then after
 * 2 ms, waits growing by half): a baseline probing every 20 ms, as this one did until stop 35,
 * came late whenever the service was not yet listening, which flattered the portal's ratio.
 */
async function portAnswers(port: number, timeoutMs: number) {
  if (!(await waitForTcp('127.0.0.1', port, timeoutMs))) {
    throw new Error('port never answered')
  }
}

/** The engine alone: create + start (and until the port answers) of the same container. */
export async function rawRequisition(docker: Docker) {
  const port = await freePort()
  const begin = performance.now()
  const container = await docker.createContainer({
    Image: HTTPD_IMAGE,
    Cmd: HTTPD_COMMAND,
    Env: [`PORTAL_SERVICE_PORT=${port}`],
    User: '1000:1000',
    HostConfig: { NetworkMode: 'host', Init: true, Memory: 64 * 1024 * 1024 },
  })
  await container.start()
  const started = performance.now() - begin
  await portAnswers(port, 10_000)
  const answering = performance.now() - begin
  await container.remove({ force: true })
  return { started, answering }
}

const ADMIN = { username: 'bench-admin', password: 'bench-admin-password-123' }

/** The portal's settings for requisitions on this engine, its log at `logFile`. */
export function requisitionPortalEnv(logFile: string, instance: string) {
  return {
    ...benchPortalEnv(),
    PORTAL_ADMIN_USERNAME: ADMIN.username,
    PORTAL_ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: 'info',
    LOG_FILE: logFile,
    DOCKER_SOCKET: socketPath,
    // The host network (loopback ports only, as on every test engine) is refused in
    // production: the only production setting these benchmarks do not keep.
    NODE_ENV: 'development',
    DOCKER_NETWORK: 'host',
    PORTAL_INSTANCE_ID: instance,
    JOBS_ENABLED: 'false',
  }
}

/** Signs the admin in, issues an admin token and returns a JSON caller bearing it. */
export async function adminCaller(baseUrl: string, tokenName: string) {
  const browser = new HttpBrowser(baseUrl, 60_000)
  await browser.login(ADMIN.username, ADMIN.password)
  const issued = await browser.request('POST', '/api/v1/auth/tokens', {
    name: tokenName,
    expiresInDays: 1,
    admin: true,
  })
  const token = issued.body.data.token as string
  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${baseUrl}${path}`, {
      method,
      headers: { 'authorization': `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(async (response) => ({ status: response.status, body: (await response.json()) as any }))
  return { token, call }
}
