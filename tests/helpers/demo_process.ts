import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

const APP_ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** Printed by demo/run.ts once everything answers. */
const READY = /Facility Portal demo is ready/

/**
 * `npm run demo` as a newcomer runs it in a terminal: its own process
 * group, interrupted the way Ctrl-C does it (SIGINT to the whole group).
 */
export class DemoProcess {
  output = ''
  #child: ChildProcess

  private constructor(child: ChildProcess) {
    this.#child = child
    child.stdout!.on('data', (chunk) => (this.output += chunk))
    child.stderr!.on('data', (chunk) => (this.output += chunk))
  }

  /** Starts the demo with exactly `env` (plus PATH and HOME); resolves once it is ready. */
  static async start(env: Record<string, string>, timeoutMs: number) {
    const child = spawn('npm', ['run', 'demo'], {
      cwd: APP_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const demo = new DemoProcess(child)
    const deadline = Date.now() + timeoutMs
    while (!READY.test(demo.output)) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`the demo exited before it was ready:\n${demo.output}`)
      }
      if (Date.now() > deadline) {
        await demo.interrupt()
        throw new Error(`the demo was not ready within ${timeoutMs / 1000} s:\n${demo.output}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    return demo
  }

  get running() {
    return this.#child.exitCode === null && this.#child.signalCode === null
  }

  /** The value printed after `label:` in the demo's progress lines. */
  printed(label: string) {
    return new RegExp(`${label}: (\\S+)`).exec(this.output)?.[1] ?? null
  }

  /**
   * Ctrl-C: SIGINT to the demo's process group; resolves with how it ended
   * (SIGKILL after `timeoutMs`, so that a test never hangs).
   */
  async interrupt(timeoutMs = 60_000) {
    if (!this.running) {
      return { code: this.#child.exitCode, signal: this.#child.signalCode }
    }
    const exited = once(this.#child, 'exit')
    process.kill(-this.#child.pid!, 'SIGINT')
    const timer = setTimeout(() => process.kill(-this.#child.pid!, 'SIGKILL'), timeoutMs)
    await exited
    clearTimeout(timer)
    return { code: this.#child.exitCode, signal: this.#child.signalCode }
  }
}
