import { releaseUnusedMemory } from '#services/runtime/memory_release'

const MiB = 2 ** 20

export type IdleMemoryReleaseOptions = {
  /** How often the process's CPU time and resident memory are read. */
  checkEveryMs: number
  /** Checks in a row with at most `restingCpuShare` of CPU before the portal counts as at rest. */
  restingChecks: number
  /** The share of one core, 0–1, that still counts as resting (timers, the reconciler). */
  restingCpuShare: number
  /** How much resident memory must have grown since the last release to release again. */
  minimumGrowthMiB: number
}

const DEFAULTS: IdleMemoryReleaseOptions = {
  checkEveryMs: 10_000,
  restingChecks: 3,
  restingCpuShare: 0.02,
  minimumGrowthMiB: 8,
}

/**
 * Gives memory back once the portal comes to rest after serving: requests
 * make the young generation's pages resident again (2 × 16 MiB) and leave
 * old-space garbage that V8 does not release while the process idles, so a
 * portal that served a few requests an hour ago would sit at 135–145 MiB
 * instead of the 112–114 it starts with. When the process has used almost
 * no CPU for `restingChecks` checks in a row (30 s by default) and its
 * resident memory grew since the last release, one collection
 * (releaseUnusedMemory) runs. Reading CPU time costs requests nothing;
 * a request arriving during the collection (a few hundred ms, only after
 * 30 s without work) waits for it. Runs only where releaseUnusedMemory
 * does (the start command's young-generation floor).
 */
export default class IdleMemoryRelease {
  #options: IdleMemoryReleaseOptions
  #timer: NodeJS.Timeout | undefined
  #cpuMicros = 0
  #restingChecks = 0
  #residentAfterRelease = 0
  #releases = 0

  constructor(options: Partial<IdleMemoryReleaseOptions> = {}) {
    this.#options = { ...DEFAULTS, ...options }
  }

  /** How many releases have run. */
  get releases() {
    return this.#releases
  }

  start() {
    this.#cpuMicros = cpuMicros()
    this.#residentAfterRelease = process.memoryUsage.rss()
    // Unreferenced: it never keeps a process alive.
    this.#timer = setInterval(() => this.#check(), this.#options.checkEveryMs).unref()
  }

  stop() {
    clearInterval(this.#timer)
  }

  #check() {
    const used = cpuMicros() - this.#cpuMicros
    this.#cpuMicros += used
    const { checkEveryMs, restingChecks, restingCpuShare, minimumGrowthMiB } = this.#options
    if (used > checkEveryMs * 1000 * restingCpuShare) {
      this.#restingChecks = 0
      return
    }
    this.#restingChecks += 1
    const grown = process.memoryUsage.rss() - this.#residentAfterRelease
    if (this.#restingChecks < restingChecks || grown < minimumGrowthMiB * MiB) {
      return
    }
    if (releaseUnusedMemory()) {
      this.#releases += 1
    }
    this.#residentAfterRelease = process.memoryUsage.rss()
    // The collection's own CPU time is not work to rest from.
    this.#cpuMicros = cpuMicros()
    this.#restingChecks = 0
  }
}

function cpuMicros() {
  const { user, system } = process.cpuUsage()
  return user + system
}
