import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '#tests/helpers/portal_process'

/** Debian's Jupyter Notebook (package jupyter-notebook, installed by scripts/test.sh). */
const JUPYTER = '/usr/bin/jupyter-notebook'

/**
 * A real Jupyter Notebook server (the one the demo's Jupyter image runs,
 * from the same Debian package) as a process on 127.0.0.1, its login
 * token given, its home and notebook folder a scratch directory. Fails
 * loudly when the package is missing.
 */
export class JupyterServer {
  output = ''
  readonly #child: ChildProcess
  readonly #home: string

  private constructor(
    readonly port: number,
    readonly token: string,
    child: ChildProcess,
    home: string
  ) {
    this.#child = child
    this.#home = home
  }

  get baseUrl() {
    return `http://127.0.0.1:${this.port}`
  }

  static async start(token: string) {
    if (!existsSync(JUPYTER)) {
      throw new Error(
        `${JUPYTER} is missing: install Debian's jupyter-notebook (scripts/test.sh does)`
      )
    }
    const home = await mkdtemp(join(tmpdir(), 'portal-jupyter-'))
    const port = await freePort()
    const args = [
      '--no-browser',
      '--ip=127.0.0.1',
      `--port=${port}`,
      '--port-retries=0',
      `--notebook-dir=${home}`,
      '--NotebookApp.quit_button=False',
    ]
    // As in the demo image it runs unprivileged; a root test run has to say so.
    if (process.getuid?.() === 0) {
      args.push('--allow-root')
    }
    const child = spawn(JUPYTER, args, {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: home,
        JUPYTER_TOKEN: token,
        JUPYTER_CONFIG_DIR: join(home, '.jupyter'),
        JUPYTER_DATA_DIR: join(home, '.local/share/jupyter'),
        JUPYTER_RUNTIME_DIR: join(home, '.runtime'),
      },
    })
    const server = new JupyterServer(port, token, child, home)
    child.stdout!.on('data', (chunk) => (server.output += chunk))
    child.stderr!.on('data', (chunk) => (server.output += chunk))
    const deadline = Date.now() + 30_000
    while (Date.now() < deadline) {
      if (child.exitCode !== null) {
        throw new Error(`jupyter-notebook exited with ${child.exitCode}:\n${server.output}`)
      }
      const status = await server.request('GET', '/api/status').catch(() => null)
      if (status?.ok) {
        return server
      }
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    await server.stop()
    throw new Error(`jupyter-notebook did not answer within 30 s:\n${server.output}`)
  }

  /** A request to its REST API with its token, as the notebook page makes them. */
  request(method: string, path: string, body?: unknown) {
    return fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        'authorization': `token ${this.token}`,
        'content-type': 'application/json',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    })
  }

  /** What it says about itself: `started`, `last_activity` (ISO 8601), kernels, connections. */
  async status() {
    const response = await this.request('GET', '/api/status')
    return (await response.json()) as { started: string; last_activity: string }
  }

  async stop() {
    const child = this.#child
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit')
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    }
    await rm(this.#home, { recursive: true, force: true })
  }
}
