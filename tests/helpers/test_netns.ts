import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'

const APP_ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** Processes still running when the test process exits are killed with it. */
const alive = new Set<ChildProcess>()
process.once('exit', () => alive.forEach((child) => child.kill('SIGKILL')))

/** Runs a command to its end; resolves its output, rejects (with stderr) on a non-zero exit. */
export function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv } = {}) {
  const child = spawn(command, args, {
    cwd: APP_ROOT,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (chunk) => (stdout += chunk))
  child.stderr!.on('data', (chunk) => (stderr += chunk))
  const timer = setTimeout(() => child.kill('SIGKILL'), 300_000)
  // once() rejects on 'error': a missing binary fails the test loudly.
  return once(child, 'exit').then(([code]) => {
    clearTimeout(timer)
    if (code !== 0) {
      throw new Error(`${command} ${args.join(' ')} exited with ${code}: ${stderr}`)
    }
    return stdout
  })
}

/** iproute2 ("ip netns"), installed from Debian when missing, as the test setup installs its tools. */
export async function ensureIproute2() {
  try {
    await run('ip', ['-V'])
  } catch {
    await run('bash', ['-c', 'source scripts/lib/apt.sh && apt_install iproute2'])
  }
}

/**
 * A network namespace of one test run (`ip netns add`): interfaces,
 * addresses, routes and firewall rules made inside it exist nowhere else,
 * so traffic between the test's hosts never leaves it. A test that cannot
 * make one fails (it needs root, as the private engines do).
 */
export class TestNetns {
  #children = new Set<ChildProcess>()

  private constructor(readonly name: string) {}

  /** `<prefix>-<slot>-<random>`: distinct between slots and runs. */
  static async create(prefix: string) {
    await ensureIproute2()
    const name = `${prefix}-${process.env.TEST_SLOT ?? 0}-${randomBytes(3).toString('hex')}`
    await run('ip', ['netns', 'add', name])
    const netns = new TestNetns(name)
    await netns.run(['ip', 'link', 'set', 'lo', 'up'])
    return netns
  }

  /** The nsenter prefix that runs a command in this namespace only (not its mounts). */
  get enter() {
    return ['nsenter', `--net=/var/run/netns/${this.name}`]
  }

  /** Runs a command inside the namespace to its end; resolves its output. */
  run(command: string[], env?: NodeJS.ProcessEnv) {
    const [program, ...args] = [...this.enter, ...command]
    return run(program, args, { env })
  }

  /** Starts a long-running command (a listener) inside the namespace; ended by destroy(). */
  spawn(command: string[]) {
    const [program, ...args] = [...this.enter, ...command]
    const child = spawn(program, args, { stdio: 'ignore' })
    child.once('error', () => {})
    this.#children.add(child)
    alive.add(child)
    child.once('exit', () => alive.delete(child))
    return child
  }

  /**
   * Links this namespace to `peer` with a veth pair: `local` and `remote`
   * are "address/prefix" on this side and the peer's.
   */
  async link(peer: TestNetns, local: string, remote: string) {
    const suffix = randomBytes(3).toString('hex')
    const [here, there] = [`pv${suffix}a`, `pv${suffix}b`]
    await run('ip', [
      'link',
      'add',
      here,
      'netns',
      this.name,
      'type',
      'veth',
      'peer',
      'name',
      there,
      'netns',
      peer.name,
    ])
    await this.run(['ip', 'addr', 'add', local, 'dev', here])
    await this.run(['ip', 'link', 'set', here, 'up'])
    await peer.run(['ip', 'addr', 'add', remote, 'dev', there])
    await peer.run(['ip', 'link', 'set', there, 'up'])
  }

  /** Ends what it started and deletes the namespace (its interfaces and rules go with it). */
  async destroy() {
    for (const child of this.#children) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit')
        child.kill('SIGKILL')
        await exited
      }
    }
    await run('ip', ['netns', 'del', this.name]).catch(() => {})
  }
}
