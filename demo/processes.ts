/*
 * The demo's child processes. Each runs in a process group of its own, so
 * a Ctrl-C in the terminal reaches the demo alone: the demo then stops
 * them in order (the portal before the containers it made, the containers
 * before the engine they run on) instead of everything dying at once.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

export const APP_ROOT = fileURLToPath(new URL('../', import.meta.url))

const running = new Set<ChildProcess>()

/** Signals every child still running (its whole process group). */
export function signalAll(signal: NodeJS.Signals) {
  for (const child of running) {
    signalGroup(child, signal)
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals) {
  try {
    process.kill(-child.pid!, signal)
  } catch {
    // Already gone.
  }
}

export type RunOptions = {
  env?: NodeJS.ProcessEnv
  /** Each line of output (stdout and stderr), as it comes. */
  onLine?: (line: string) => void
  timeoutMs?: number
  input?: string
}

/** A command that runs to completion; rejects with its output when it fails. */
export async function run(command: string, args: string[], options: RunOptions = {}) {
  const child = spawn(command, args, {
    cwd: APP_ROOT,
    env: options.env ?? process.env,
    detached: true,
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  })
  running.add(child)
  const lines: string[] = []
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line)
      options.onLine?.(line)
    })
  }
  if (options.input !== undefined) {
    child.stdin!.end(options.input)
  }
  const timer = options.timeoutMs
    ? setTimeout(() => signalGroup(child, 'SIGKILL'), options.timeoutMs)
    : undefined
  try {
    const [code, signal] = (await once(child, 'close')) as [number | null, string | null]
    if (code !== 0) {
      const tail = lines.slice(-20).join('\n')
      throw new Error(`${command} ${args.join(' ')} failed (${signal ?? `exit ${code}`})\n${tail}`)
    }
    return lines.join('\n')
  } finally {
    clearTimeout(timer)
    running.delete(child)
  }
}

/** The last lines of a log file, indented, to explain a failure. */
export async function logTail(file: string, lines = 15) {
  const text = await readFile(file, 'utf8').catch(() => '')
  const tail = text.trimEnd().split('\n').slice(-lines)
  return tail.length > 0 && tail[0] !== ''
    ? `\n  ${file}:\n${tail.map((line) => `    ${line}`).join('\n')}`
    : ''
}

/** A long-running process whose output goes to a log file. */
export class Service {
  readonly exited: Promise<{ code: number | null; signal: string | null }>
  #child: ChildProcess

  readonly logFile: string

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    options: { env: NodeJS.ProcessEnv; logFile: string; input?: string }
  ) {
    this.logFile = options.logFile
    const log = createWriteStream(options.logFile, { flags: 'a', mode: 0o600 })
    this.#child = spawn(command, args, {
      cwd: APP_ROOT,
      env: options.env,
      detached: true,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    })
    running.add(this.#child)
    this.#child.stdout!.pipe(log, { end: false })
    this.#child.stderr!.pipe(log, { end: false })
    if (options.input !== undefined) {
      this.#child.stdin!.end(options.input)
    }
    this.exited = once(this.#child, 'close').then(([code, signal]) => {
      running.delete(this.#child)
      log.end()
      return { code, signal }
    })
  }

  get pid() {
    return this.#child.pid
  }

  get alive() {
    return this.#child.exitCode === null && this.#child.signalCode === null
  }

  /** The first line of standard output matching `pattern`, within `timeoutMs`. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    const stdout = this.#child.stdout!
    return new Promise((resolve, reject) => {
      let buffer = ''
      // A listener of its own beside the pipe to the log: readline would pause the stream.
      const onData = (chunk: Buffer) => {
        buffer += chunk.toString('utf8')
        for (let end = buffer.indexOf('\n'); end !== -1; end = buffer.indexOf('\n')) {
          const match = pattern.exec(buffer.slice(0, end))
          buffer = buffer.slice(end + 1)
          if (match) {
            return finish(match)
          }
        }
      }
      const timer = setTimeout(
        () => finish(new Error(`${this.name} did not start within ${timeoutMs / 1000} s`)),
        timeoutMs
      )
      const finish = (result: RegExpExecArray | Error) => {
        clearTimeout(timer)
        stdout.off('data', onData)
        if (result instanceof Error) {
          reject(result)
        } else {
          resolve(result)
        }
      }
      stdout.on('data', onData)
      void this.exited.then(({ code, signal }) =>
        finish(new Error(`${this.name} exited (${signal ?? `exit ${code}`}) while starting`))
      )
    })
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  async stop(graceMs: number) {
    if (!this.alive) {
      return this.exited
    }
    signalGroup(this.#child, 'SIGTERM')
    const timer = setTimeout(() => signalGroup(this.#child, 'SIGKILL'), graceMs)
    const result = await this.exited
    clearTimeout(timer)
    return result
  }
}
