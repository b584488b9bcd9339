import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import mysql from 'mysql2/promise'
import { freePort } from '#tests/helpers/portal_process'

const APP_ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** Where Debian's mariadb-server puts the daemon (it is not on a normal user's PATH). */
const DAEMONS = ['/usr/sbin/mariadbd', '/usr/sbin/mysqld', '/usr/bin/mariadbd']

/** Processes still running when the test process exits are killed with it. */
const alive = new Set<ChildProcess>()
process.once('exit', () => alive.forEach((child) => child.kill('SIGKILL')))

function run(command: string, args: string[]) {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', (chunk) => (stderr += chunk))
  // once() rejects on 'error': a missing binary fails the test loudly.
  return once(child, 'exit').then(([code]) => {
    if (code !== 0) {
      throw new Error(`${command} exited with ${code}: ${stderr}`)
    }
  })
}

/**
 * A MariaDB server of one test's own, on a free loopback port with its
 * data in a scratch folder under tmp/ (as scripts/lib/services.sh starts
 * one), so a test can stop and restart it without touching the shared
 * server other runs use. Root logs in over TCP without a password.
 */
export class PrivateMysql {
  #child: ChildProcess | null = null

  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly daemon: string
  ) {}

  /** Initialises a fresh data folder and starts the server. */
  static async create() {
    const daemon = DAEMONS.find((path) => existsSync(path))
    if (!daemon) {
      throw new Error(`no MariaDB server binary (${DAEMONS.join(', ')}): install mariadb-server`)
    }
    await mkdir(join(APP_ROOT, 'tmp'), { recursive: true })
    const dir = await mkdtemp(join(APP_ROOT, 'tmp', 'private-mysql-'))
    await run('mariadb-install-db', [
      '--no-defaults',
      '--user=root',
      `--datadir=${join(dir, 'data')}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
    ])
    const server = new PrivateMysql(dir, await freePort(), daemon)
    await server.start()
    return server
  }

  /** How to reach database `database` on this server. */
  address(database: string) {
    return { host: '127.0.0.1', port: this.port, user: 'root', password: '', database }
  }

  get running() {
    return this.#child !== null && this.#child.exitCode === null && this.#child.signalCode === null
  }

  /** Starts the server (same data, same port) and waits until it accepts logins. */
  async start() {
    if (this.running) {
      return
    }
    const child = spawn(
      this.daemon,
      [
        '--no-defaults',
        '--user=root',
        `--datadir=${join(this.dir, 'data')}`,
        `--port=${this.port}`,
        '--bind-address=127.0.0.1',
        `--socket=${join(this.dir, 'mysqld.sock')}`,
        `--pid-file=${join(this.dir, 'mysqld.pid')}`,
        `--log-error=${join(this.dir, 'error.log')}`,
        '--innodb-buffer-pool-size=32M',
        '--skip-name-resolve',
      ],
      { stdio: 'ignore' }
    )
    let spawnError = ''
    child.once('error', (error) => (spawnError = error.message))
    this.#child = child
    alive.add(child)
    child.once('exit', () => alive.delete(child))

    const deadline = Date.now() + 30_000
    while (Date.now() < deadline) {
      if (child.exitCode !== null || spawnError) {
        break
      }
      if (await this.answers()) {
        return
      }
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    child.kill('SIGKILL')
    const log = await readFile(join(this.dir, 'error.log'), 'utf8').catch(() => '')
    throw new Error(
      `private MariaDB did not start on 127.0.0.1:${this.port}: ${spawnError}\n${log}`
    )
  }

  /** Stops the server like an operator would (SIGTERM: clients are disconnected). */
  async stop(signal: NodeJS.Signals = 'SIGTERM') {
    const child = this.#child
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      return
    }
    const exited = once(child, 'exit')
    child.kill(signal)
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
    await exited
    clearTimeout(timer)
  }

  async restart() {
    await this.stop()
    await this.start()
  }

  /** Kills the server and removes its data. */
  async destroy() {
    await this.stop('SIGKILL')
    await rm(this.dir, { recursive: true, force: true })
  }

  /** Whether the server accepts a root login and a query right now. */
  async answers() {
    try {
      await this.query('SELECT 1')
      return true
    } catch {
      return false
    }
  }

  /** Runs statements on a connection of its own (created and closed for the call). */
  async query(sql: string, values: unknown[] = []) {
    const connection = await mysql.createConnection({
      host: '127.0.0.1',
      port: this.port,
      user: 'root',
      password: '',
      connectTimeout: 2000,
      multipleStatements: false,
    })
    try {
      const [rows] = await connection.query(sql, values)
      return rows
    } finally {
      await connection.end().catch(() => connection.destroy())
    }
  }
}
