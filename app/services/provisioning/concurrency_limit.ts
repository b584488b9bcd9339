/**
 * At most `max` runs of some work at once; the others wait their turn, in
 * order. Each DOCKER_TIMEOUT applies to one engine call: 100 containers
 * created and started at once kept a small engine busy for 30 s and
 * more, so calls timed out and launches failed (docs/benchmarks.md). Queued
 * here, each call only waits for the engine work of the few ahead of it.
 */
export class ConcurrencyLimit {
  #running = 0
  #waiting: (() => void)[] = []

  constructor(readonly max: number) {}

  /** How many runs are under way now. */
  get running() {
    return this.#running
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#running >= this.max) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve))
    } else {
      this.#running++
    }
    try {
      return await work()
    } finally {
      // The slot passes straight to the next in line (the count stays the same).
      const next = this.#waiting.shift()
      if (next) {
        next()
      } else {
        this.#running--
      }
    }
  }
}
