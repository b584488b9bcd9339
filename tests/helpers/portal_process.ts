import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const BOOT_TIMEOUT_MS = 90_000

const APP_ROOT = new URL('../../', import.meta.url)

/**
 * Environment for a child portal process: only what the test names, plus
 * PATH/HOME, so neither the test run's variables nor a developer's .env
 * leak in.
 */
function childEnv(env: Record<string, string>) {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    ...env,
  }
}

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  server.close()
  return port
}

export async function scratchDir(prefix: string) {
  return mkdtemp(join(tmpdir(), `portal-${prefix}-`))
}

export type ProcessResult = { code: number | null; stdout: string; stderr: string }

/** Runs `node <args>` in the app root to completion (e.g. an ace command). */
export async function runNode(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 60_000,
  input?: string
): Promise<ProcessResult> {
  const child = spawn(process.execPath, args, { cwd: APP_ROOT, env: childEnv(env) })
  if (input !== undefined) {
    child.stdin.end(input)
  }
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  const [code] = await once(child, 'exit')
  clearTimeout(timer)
  return { code, stdout, stderr }
}

export function runAce(args: string[], env: Record<string, string>, input?: string) {
  return runNode(['ace.js', ...args], env, 60_000, input)
}

/**
 * A real portal server process (bin/server.ts), started the way
 * `npm start` starts it, ready once /health/live answers.
 */
export class PortalProcess {
  stdout = ''
  stderr = ''
  #child: ReturnType<typeof spawn> | null = null

  constructor(readonly port: number) {}

  get baseUrl() {
    return `http://127.0.0.1:${this.port}`
  }

  get pid() {
    return this.#child?.pid
  }

  /**
   * Starts with `env` on `port` (a free one by default; pass one when
   * APP_URL must name it). `credentialCache: false` sets AUTH_CACHE_TTL=0
   * (over any AUTH_CACHE_TTL in `env`), as .env.test does in process, for a
   * test that changes rows behind the process's back (or stops the
   * database) and must see it on the next request; otherwise credentials
   * are remembered as in production (1 s, or `env`'s AUTH_CACHE_TTL).
   */
  static async start(
    env: Record<string, string>,
    { port, credentialCache = true }: { port?: number; credentialCache?: boolean } = {}
  ) {
    port ??= await freePort()
    const portal = new PortalProcess(port)
    const cacheOff: Record<string, string> = credentialCache ? {} : { AUTH_CACHE_TTL: '0' }
    const child = spawn(process.execPath, ['--import=@poppinss/ts-exec', 'bin/server.ts'], {
      cwd: APP_ROOT,
      env: childEnv({ HOST: '127.0.0.1', PORT: String(port), ...env, ...cacheOff }),
    })
    portal.#child = child
    child.stdout!.on('data', (chunk) => (portal.stdout += chunk))
    child.stderr!.on('data', (chunk) => (portal.stderr += chunk))

    // Several processes compiling the sources at once on a busy 2-core CI
    // machine have taken over 30 s; the tests time behaviour, not boot.
    const deadline = Date.now() + BOOT_TIMEOUT_MS
    while (Date.now() < deadline) {
      if (child.exitCode !== null) {
        throw new Error(`portal exited with ${child.exitCode}:\n${portal.stderr}\n${portal.stdout}`)
      }
      try {
        const response = await fetch(`${portal.baseUrl}/health/live`, {
          signal: AbortSignal.timeout(1000),
        })
        if (response.ok) {
          return portal
        }
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 150))
    }
    await portal.stop()
    throw new Error(
      `portal did not become live within ${BOOT_TIMEOUT_MS / 1000} s:\n${portal.stderr}`
    )
  }

  /**
   * Sends a signal; resolves once the process has exited, with its exit
   * code (null when a signal ended it) and how long it took to exit.
   */
  async kill(signal: NodeJS.Signals) {
    const child = this.#child!
    const startedAt = Date.now()
    const exited = once(child, 'exit')
    child.kill(signal)
    await exited
    return { code: child.exitCode, signal: child.signalCode, ms: Date.now() - startedAt }
  }

  /** Stops with SIGTERM (graceful) and waits for the exit. */
  async stop() {
    const child = this.#child
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      return
    }
    const exited = once(child, 'exit')
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(timer)
  }
}

/**
 * A minimal browser for a portal process: keeps cookies and echoes the
 * XSRF token, as the single-page frontend does.
 */
export class HttpBrowser {
  cookies = new Map<string, string>()

  constructor(
    readonly baseUrl: string,
    readonly timeoutMs = 10_000
  ) {}

  async request(method: string, path: string, body?: unknown, form?: Record<string, string>) {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (this.cookies.size) {
      headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
    }
    const xsrf = this.cookies.get('XSRF-TOKEN')
    if (xsrf && method !== 'GET') {
      headers['x-xsrf-token'] = decodeURIComponent(xsrf)
    }
    if (body !== undefined) {
      headers['content-type'] = 'application/json'
    }
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: form
        ? new URLSearchParams(form)
        : body === undefined
          ? undefined
          : JSON.stringify(body),
      redirect: 'manual',
      signal: AbortSignal.timeout(this.timeoutMs),
    })
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';')
      const separator = pair.indexOf('=')
      this.cookies.set(pair.slice(0, separator), pair.slice(separator + 1))
    }
    const text = await response.text()
    const isJson = response.headers.get('content-type')?.includes('application/json')
    return {
      status: response.status,
      location: response.headers.get('location'),
      body: isJson && text ? JSON.parse(text) : text,
    }
  }

  postForm(path: string, fields: Record<string, string>) {
    return this.request('POST', path, undefined, fields)
  }

  async login(username: string, password: string) {
    await this.request('GET', '/api/v1/auth/csrf')
    return this.request('POST', '/api/v1/auth/login', { username, password })
  }
}
