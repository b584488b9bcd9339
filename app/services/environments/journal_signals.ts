import { EventEmitter } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Tells this process's progress streams that an environment's journal got
 * an entry, so a stream reads it at once instead of at its next poll (a
 * launch's "ready" reached the console up to 400 ms late). Entries written
 * by another portal process still arrive by polling.
 */
const signals = new EventEmitter().setMaxListeners(0)

export function signalEntry(environmentId: number) {
  signals.emit(String(environmentId))
}

/**
 * The entries of one environment this process writes, from now on until
 * `close()`. Subscribed before a stream's first read: an entry signalled
 * while the stream reads the database (between two waits) is not missed,
 * the next wait ends at once and the stream reads again.
 */
export class JournalWatch {
  #key: string
  #signalled = false
  #wake: (() => void) | null = null
  #onEntry = () => {
    this.#signalled = true
    this.#wake?.()
  }

  constructor(environmentId: number) {
    this.#key = String(environmentId)
    signals.on(this.#key, this.#onEntry)
  }

  /** Resolves at once when an entry came since the last wait, else at the next one or after `timeoutMs`. */
  async next(timeoutMs: number) {
    if (!this.#signalled) {
      const stop = new AbortController()
      const signalled = new Promise<void>((resolve) => (this.#wake = resolve))
      try {
        await Promise.race([signalled, sleep(timeoutMs, undefined, { signal: stop.signal })])
      } finally {
        this.#wake = null
        stop.abort()
      }
    }
    this.#signalled = false
  }

  close() {
    signals.off(this.#key, this.#onEntry)
  }
}
