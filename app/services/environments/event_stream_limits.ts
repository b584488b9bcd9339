import limiter from '@adonisjs/limiter/services/main'
import portalConfig from '#config/portal'
import TooManyStreamsException from '#exceptions/too_many_streams_exception'

/**
 * Bounds the progress streams (server-sent events) of one user: at most
 * EVENT_STREAM_OPENS_PER_MINUTE openings per minute (counted in the shared
 * rate_limits table, so across processes) and EVENT_STREAMS_PER_USER open
 * at once (per process: a stream lives in the process serving it), so one
 * per process, a container singleton (providers/services_provider.ts).
 */
export default class EventStreamLimits {
  /** Streams open per user in this process. */
  #open = new Map<number, number>()
  #opens = limiter.use({
    requests: portalConfig.eventStreams.opensPerMinute,
    duration: '1 min',
  })

  /**
   * Admits one more stream for `userId` or throws (the limiter's 429, or
   * TooManyStreamsException); returns the function that gives the slot back
   * (safe to call more than once).
   */
  async acquire(userId: number): Promise<() => void> {
    if ((this.#open.get(userId) ?? 0) >= portalConfig.eventStreams.perUser) {
      throw new TooManyStreamsException()
    }
    await this.#opens.consume(`events:user:${userId}`)
    // Counted after the await, so parallel openings cannot both slip under the cap.
    const count = this.#open.get(userId) ?? 0
    if (count >= portalConfig.eventStreams.perUser) {
      throw new TooManyStreamsException()
    }
    this.#open.set(userId, count + 1)
    let released = false
    return () => {
      if (released) {
        return
      }
      released = true
      const left = (this.#open.get(userId) ?? 1) - 1
      if (left > 0) {
        this.#open.set(userId, left)
      } else {
        this.#open.delete(userId)
      }
    }
  }

  /** Streams `userId` holds open in this process. */
  openFor(userId: number) {
    return this.#open.get(userId) ?? 0
  }
}
