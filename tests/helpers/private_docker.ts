import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Docker from 'dockerode'

const APP_ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** Processes still running when the test process exits are killed with it. */
const alive = new Set<ChildProcess>()
process.once('exit', () => alive.forEach((child) => child.kill('SIGKILL')))

function run(command: string, args: string[], timeoutMs = 120_000) {
  const child = spawn(command, args, { cwd: APP_ROOT, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', (chunk) => (stderr += chunk))
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  // once() rejects on 'error': a missing binary fails the test loudly.
  return once(child, 'exit').then(([code]) => {
    clearTimeout(timer)
    if (code !== 0) {
      throw new Error(`${command} ${args.join(' ')} exited with ${code}: ${stderr}`)
    }
  })
}

/** Mount points under `root`, deepest first (what a stopped dockerd may leave behind). */
async function mountsUnder(root: string) {
  const table = await readFile('/proc/mounts', 'utf8')
  return table
    .split('\n')
    .map((line) => line.split(' ')[1])
    .filter((mount) => mount?.startsWith(`${root}/`))
    .sort()
    .reverse()
}

/**
 * containerd shims of the engine in `root` still running (their command
 * line names its state folder): one can outlive the engine's shutdown.
 */
async function shimsUnder(root: string) {
  const pids: number[] = []
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue
    }
    const command = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')
    if (command.includes('containerd-shim') && command.includes(`${root}/exec/`)) {
      pids.push(Number(entry))
    }
  }
  return pids
}

/**
 * A Docker engine of one test's own (as scripts/lib/services.sh starts
 * one): its socket, data and state in a short folder under /tmp (Unix
 * socket paths are limited to 107 bytes and containerd's sit deeper), no
 * bridge network, no iptables changes, the test images built in. A test
 * can stop and start it without touching the slot's engine.
 */
export class PrivateDocker {
  #child: ChildProcess | null = null

  /**
   * `netns`: run the engine inside that network namespace (see
   * tests/helpers/test_netns.ts) with bridge networking and iptables on:
   * its bridges, NAT and filter rules then exist only in that namespace.
   */
  private constructor(
    readonly dir: string,
    readonly netns?: string
  ) {}

  get socketPath() {
    return join(this.dir, 'docker.sock')
  }

  /** Starts a fresh engine and loads the test images into it. */
  static async create(options: { netns?: string } = {}) {
    const engine = new PrivateDocker(await mkdtemp('/tmp/pfd-'), options.netns)
    // Its own (empty) daemon.json: a system one must not change this engine.
    await writeFile(join(engine.dir, 'daemon.json'), '{}')
    await engine.start()
    await run('bash', ['scripts/lib/build_test_images.sh', engine.socketPath])
    return engine
  }

  /** A dockerode client of this engine. */
  client() {
    return new Docker({ socketPath: this.socketPath, timeout: 10_000 })
  }

  get running() {
    return this.#child !== null && this.#child.exitCode === null && this.#child.signalCode === null
  }

  /** Starts dockerd (same data) and waits until it answers. */
  async start() {
    if (this.running) {
      return
    }
    // Only the network namespace: "ip netns exec" would also remount /sys
    // and hide the cgroup file systems dockerd needs.
    const [command, ...prefix] = this.netns
      ? ['nsenter', `--net=/var/run/netns/${this.netns}`, 'dockerd']
      : ['dockerd']
    const networking = this.netns
      ? ['--bridge=none', '--iptables=true', '--ip6tables=false', '--ip-masq=true']
      : ['--bridge=none', '--iptables=false', '--ip6tables=false', '--ip-masq=false']
    const child = spawn(
      command,
      [
        ...prefix,
        '--config-file',
        join(this.dir, 'daemon.json'),
        '--data-root',
        join(this.dir, 'root'),
        '--exec-root',
        join(this.dir, 'exec'),
        '--pidfile',
        join(this.dir, 'dockerd.pid'),
        '-H',
        `unix://${this.socketPath}`,
        ...networking,
        '--shutdown-timeout=2',
        '--log-level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] }
    )
    let log = ''
    child.stderr!.on('data', (chunk) => (log = (log + chunk).slice(-4000)))
    // No dockerd on this machine: say so instead of crashing the run.
    child.once('error', (error) => (log += `\n${error.message}`))
    this.#child = child
    alive.add(child)
    child.once('exit', () => alive.delete(child))

    const deadline = Date.now() + 30_000
    while (Date.now() < deadline && child.exitCode === null && child.pid !== undefined) {
      if (await this.answers()) {
        return
      }
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    child.kill('SIGKILL')
    throw new Error(`private dockerd did not answer on ${this.socketPath}:\n${log}`)
  }

  /**
   * Stops the engine like an operator would (SIGTERM: it stops its
   * containers within --shutdown-timeout and exits).
   */
  async stop(signal: NodeJS.Signals = 'SIGTERM') {
    const child = this.#child
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit')
      child.kill(signal)
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
      await exited
      clearTimeout(timer)
    }
    for (const mount of await mountsUnder(this.dir)) {
      await run('umount', [mount]).catch(() => {})
    }
  }

  /**
   * Removes every container, stops the engine, ends what it left running
   * and removes its data (not when something is still mounted there).
   */
  async destroy() {
    if (this.running && (await this.answers())) {
      const client = this.client()
      for (const container of await client.listContainers({ all: true })) {
        await client
          .getContainer(container.Id)
          .remove({ force: true })
          .catch(() => {})
      }
    }
    await this.stop()
    for (const pid of await shimsUnder(this.dir)) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // Gone meanwhile.
      }
    }
    if ((await mountsUnder(this.dir)).length === 0) {
      await rm(this.dir, { recursive: true, force: true })
    }
  }

  async answers() {
    try {
      await new Docker({ socketPath: this.socketPath, timeout: 2000 }).ping()
      return true
    } catch {
      return false
    }
  }
}
