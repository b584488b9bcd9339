import { setTimeout as sleep } from 'node:timers/promises'
import { performance } from 'node:perf_hooks'

/**
 * Spaces requests evenly so that at most `perMinute` leave in any minute:
 * each `take()` waits for the next free slot, one interval after the
 * previous one. `pause()` pushes the next slot out (the other side asked
 * to slow down). The first slot comes one interval after creation, so a
 * process that just took over from another cannot add a burst to the
 * requests its predecessor made a moment ago.
 */
export default class RequestPace {
  readonly intervalMs: number
  #next: number

  constructor(perMinute: number) {
    this.intervalMs = 60_000 / perMinute
    this.#next = performance.now() + this.intervalMs
  }

  /**
   * Waits for the next slot and takes it; rejects when `signal` aborts first.
   * Resolves to when the slot came (`performance.now()`), the instant the
   * next slot is counted from.
   */
  async take(signal?: AbortSignal): Promise<number> {
    const at = Math.max(performance.now(), this.#next)
    this.#next = at + this.intervalMs
    // Timers round to whole milliseconds and may wake a fraction early: wait on until `at`.
    while (performance.now() < at) {
      await sleep(Math.ceil(at - performance.now()), undefined, { signal })
    }
    signal?.throwIfAborted()
    // A late wake must not shorten the next gap: it counts from when this slot really came.
    const came = performance.now()
    this.#next = Math.max(this.#next, came + this.intervalMs)
    return came
  }

  /** No request before `ms` from now. */
  pause(ms: number) {
    this.#next = Math.max(this.#next, performance.now() + ms)
  }
}
