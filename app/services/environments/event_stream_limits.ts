import limiter from '@adonisjs/limiter/services/main'
import portalConfig from '#config/portal'
import TooManyStreamsException from '#exceptions/too_many_streams_exception'

/** Streams open per user in this process. */
const open = new Map<number, number>()

/**
 * Bounds the progress streams (server-sent events) of one user: at most
 * EVENT_STREAM_OPENS_PER_MINUTE openings per minute (counted in the shared
 * rate_limits table, so across processes) and EVENT_STREAMS_PER_USER open
 * at once (per process: a stream lives in the process serving it).
 */
export default class EventStreamLimits {
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
    if ((open.get(userId) ?? 0) >= portalConfig.eventStreams.perUser) {
      throw new TooManyStreamsException()
    }
    await this.#opens.consume(`events:user:${userId}`)
    // Counted after the await, so parallel openings cannot both slip under the cap.
    const count = open.get(userId) ?? 0
    if (count >= portalConfig.eventStreams.perUser) {
      throw new TooManyStreamsException()
    }
    open.set(userId, count + 1)
    let released = false
    return () => {
      if (released) {
        return
      }
      released = true
      const left = (open.get(userId) ?? 1) - 1
      if (left > 0) {
        open.set(userId, left)
      } else {
        open.delete(userId)
      }
    }
  }

  /** Streams `userId` holds open in this process. */
  static openFor(userId: number) {
    return open.get(userId) ?? 0
  }
}
