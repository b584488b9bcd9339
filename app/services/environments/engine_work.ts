import logger from '@adonisjs/core/services/logger'
import ProvisioningFailedException from '#exceptions/provisioning_failed_exception'

/**
 * The engine work this process runs in the background (bring-ups, stops,
 * removals), one per process as a container singleton
 * (providers/provisioning_provider.ts): graceful shutdown waits for it,
 * the reconciler leaves its environments alone, tests swap it.
 */
export default class EngineWork {
  /** Work still running (awaited on shutdown). */
  #inFlight = new Set<Promise<void>>()
  /** Environments being worked on right now. */
  #busy = new Set<number>()
  /** Aborted when this process gives up the work still running (shutdown deadline). */
  #interruption = new AbortController()

  /** Runs `work` in the background, tracked; its failure is logged, never thrown. */
  track(environmentId: number, work: () => Promise<void>) {
    this.#busy.add(environmentId)
    const running = work()
      // Nobody awaits background work: a rejection (the database went away while
      // the outcome was being recorded) would end the whole process. The
      // reconciler finishes what could not be recorded.
      .catch((error) => {
        logger.error(
          { environmentId, err: error },
          'environment work ended without recording its outcome; the reconciler will'
        )
      })
      .finally(() => {
        this.#busy.delete(environmentId)
        this.#inFlight.delete(running)
      })
    this.#inFlight.add(running)
  }

  /** Whether this process is working on the environment (the reconciler leaves it alone). */
  isBusy(environmentId: number) {
    return this.#busy.has(environmentId)
  }

  /** Settles like `work`, or rejects as soon as this process gives up engine work. */
  interruptible<T>(work: Promise<T>): Promise<T> {
    const { signal } = this.#interruption
    if (signal.aborted) {
      return Promise.reject(signal.reason)
    }
    return new Promise<T>((resolve, reject) => {
      const giveUp = () => reject(signal.reason)
      signal.addEventListener('abort', giveUp, { once: true })
      work.then(resolve, reject).finally(() => signal.removeEventListener('abort', giveUp))
    })
  }

  /**
   * Waits for the work to finish (graceful shutdown, commands, tests). Once
   * `interrupt` aborts, bring-ups still waiting for the engine give up: their
   * engine object is removed and the environment fails (which releases its
   * quota). Stops and removals are awaited: they are short, and a removal
   * left undone is retried by the reconciler.
   */
  async settle(interrupt?: AbortSignal) {
    const giveUp = () =>
      this.#interruption.abort(
        new ProvisioningFailedException(
          'The portal shut down before the environment was ready; please start a new one'
        )
      )
    if (interrupt?.aborted) {
      giveUp()
    } else {
      interrupt?.addEventListener('abort', giveUp, { once: true })
    }
    while (this.#inFlight.size > 0) {
      await Promise.allSettled([...this.#inFlight])
    }
  }
}
