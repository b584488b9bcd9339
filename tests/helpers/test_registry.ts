import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type Docker from 'dockerode'

const APP_ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** Processes still running when the test process exits are killed with it. */
const alive = new Set<ChildProcess>()
process.once('exit', () => alive.forEach((child) => child.kill('SIGKILL')))

/** The port of the registry fixture (.env.test, shifted per TEST_SLOT). */
export function testRegistryPort() {
  return Number(process.env.TEST_REGISTRY_PORT ?? 46308)
}

/**
 * An image on a loopback registry nothing listens on (port 9, "discard"):
 * a pull fails at once, and no test ever asks a registry on the internet.
 */
export const UNREACHABLE_IMAGE = '127.0.0.1:9/portal-test/absent:0'

export type RegistryLogin = { username: string; password: string }

/** Reads a push or pull stream to its end; rejects with the engine's error message. */
export function followEngineStream(client: Docker, stream: NodeJS.ReadableStream) {
  return new Promise<void>((resolve, reject) => {
    client.modem.followProgress(stream, (error: Error | null, output: any[]) => {
      const failed = output?.find((message) => message.error)
      if (error || failed) {
        reject(error ?? new Error(failed.error))
      } else {
        resolve()
      }
    })
  })
}

/**
 * Debian's docker-registry (the CNCF Distribution registry, installed by
 * scripts/lib/services.sh) as a process of the test's own on
 * 127.0.0.1:<port>, with a private configuration and storage under
 * tmp/. Plain HTTP: Docker engines treat registries on 127.0.0.0/8 as
 * "insecure" by default (HTTP after an HTTPS attempt), and both the
 * registry and the engine accept htpasswd logins over it, so no
 * certificate is involved. A test can start it with or without a login,
 * kill it mid-pull, and start it again on the same storage.
 */
export class TestRegistry {
  #child: ChildProcess | null = null
  #log = ''
  readonly dir: string

  constructor(readonly port = testRegistryPort()) {
    const slot = process.env.TEST_SLOT ? `slot-${process.env.TEST_SLOT}/` : ''
    this.dir = join(APP_ROOT, 'tmp', `${slot}registry`)
  }

  /** host:port, as image references name it. */
  get host() {
    return `127.0.0.1:${this.port}`
  }

  get log() {
    return this.#log
  }

  /** Empties the storage (between test groups). */
  async wipe() {
    await rm(join(this.dir, 'storage'), { recursive: true, force: true })
  }

  /** Starts the registry, requiring `login` when given, and waits until it answers. */
  async start(login?: RegistryLogin) {
    await this.stop()
    await mkdir(join(this.dir, 'storage'), { recursive: true })
    const config = join(this.dir, 'config.yml')
    const htpasswd = join(this.dir, 'htpasswd')
    if (login) {
      // bcrypt: the only hash the registry's htpasswd reader accepts.
      const { stdout } = await promisify(execFile)('htpasswd', [
        '-Bbn',
        login.username,
        login.password,
      ])
      await writeFile(htpasswd, stdout)
    }
    await writeFile(
      config,
      [
        'version: 0.1',
        'log:',
        '  level: info',
        '  accesslog:',
        '    disabled: false',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${join(this.dir, 'storage')}`,
        '  delete:',
        '    enabled: true',
        'http:',
        `  addr: 127.0.0.1:${this.port}`,
        '  secret: portal-test-registry',
        ...(login
          ? ['auth:', '  htpasswd:', '    realm: portal-test', `    path: ${htpasswd}`]
          : []),
        '',
      ].join('\n')
    )
    this.#log = ''
    // The access log goes to stdout, everything else to stderr.
    const child = spawn('docker-registry', ['serve', config], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    for (const output of [child.stdout!, child.stderr!]) {
      output.on('data', (chunk) => (this.#log = (this.#log + chunk).slice(-20_000)))
    }
    // No docker-registry on this machine: say so instead of crashing the run.
    child.once('error', (error) => (this.#log += `\n${error.message}`))
    this.#child = child
    alive.add(child)
    child.once('exit', () => alive.delete(child))

    const deadline = Date.now() + 15_000
    while (Date.now() < deadline && child.exitCode === null && child.pid !== undefined) {
      if (await this.answers()) {
        return
      }
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    child.kill('SIGKILL')
    throw new Error(
      `docker-registry did not answer on ${this.host} (installed by scripts/lib/services.sh):\n${this.#log}`
    )
  }

  /** Whether its API answers (401 counts: it is up, it wants a login). */
  async answers() {
    try {
      const response = await fetch(`http://${this.host}/v2/`, {
        signal: AbortSignal.timeout(1000),
      })
      return response.status === 200 || response.status === 401
    } catch {
      return false
    }
  }

  /**
   * SIGKILLs the registry the moment its log shows a request matching
   * `pattern` (the log is read as it arrives, not polled): the registry
   * vanishes in the middle of whatever else is being transferred.
   */
  async killWhenServed(pattern: RegExp, timeoutMs = 60_000) {
    const child = this.#child
    if (!child?.stdout) {
      throw new Error('the registry is not running')
    }
    const access = child.stdout
    await new Promise<void>((resolve, reject) => {
      let seen = ''
      const timer = setTimeout(() => {
        access.off('data', watch)
        reject(new Error(`the registry never served ${pattern}:\n${this.#log}`))
      }, timeoutMs)
      const watch = (chunk: Buffer) => {
        seen = (seen + chunk).slice(-10_000)
        if (pattern.test(seen)) {
          child.kill('SIGKILL')
          clearTimeout(timer)
          access.off('data', watch)
          resolve()
        }
      }
      access.on('data', watch)
    })
    await this.stop()
  }

  /** Ends the process: SIGKILL is the registry going away mid-transfer. */
  async stop(signal: NodeJS.Signals = 'SIGTERM') {
    const child = this.#child
    this.#child = null
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit')
      child.kill(signal)
      await exited
    }
  }

  /**
   * Tags a local image of `client` as <registry>/<name>, pushes it (with
   * `login` when the registry wants one) and removes the tag again, so the
   * engine has to pull it. Resolves the pushed reference.
   */
  async push(client: Docker, localImage: string, name: string, login?: RegistryLogin) {
    const [repository, tag] = name.split(':')
    const reference = `${this.host}/${repository}:${tag}`
    await client.getImage(localImage).tag({ repo: `${this.host}/${repository}`, tag })
    const image = client.getImage(reference)
    const stream = await image.push({
      // The engine wants the header even for an anonymous push.
      authconfig: login ? { ...login, serveraddress: this.host } : {},
    })
    await followEngineStream(client, stream)
    await image.remove()
    return reference
  }
}
