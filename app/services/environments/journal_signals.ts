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

/** Resolves at the environment's next entry in this process, or after `timeoutMs`. */
export async function nextEntry(environmentId: number, timeoutMs: number) {
  const key = String(environmentId)
  const stop = new AbortController()
  let wake!: () => void
  const signalled = new Promise<void>((resolve) => (wake = resolve))
  signals.once(key, wake)
  try {
    await Promise.race([signalled, sleep(timeoutMs, undefined, { signal: stop.signal })])
  } finally {
    signals.off(key, wake)
    stop.abort()
  }
}
