import { setTimeout as sleep } from 'node:timers/promises'
import type { ApplicationService } from '@adonisjs/core/types'
import shutdownConfig from '#config/shutdown'

/**
 * How a portal process leaves on SIGTERM/SIGINT, within SHUTDOWN_TIMEOUT:
 *
 * 1. at once: readiness answers 503, responses ask clients to close their
 *    connection, progress streams end (browsers resume them elsewhere), and
 *    background jobs stop and give their lease up (another process leads);
 * 2. after SHUTDOWN_DELAY: `app.terminate()` — AdonisJS closes the HTTP
 *    server (no new connections; idle keep-alive ones close, requests in
 *    flight finish), then the providers shut down: engine work in flight
 *    settles, database pools close; the process exits 0;
 * 3. a few seconds before the bound, requests and bring-ups still running
 *    are interrupted (those environments fail cleanly: engine object
 *    removed, quota released); at the bound the process exits 1 whatever
 *    is left.
 */
export class GracefulShutdown {
  #draining = new AbortController()
  #interrupting = new AbortController()

  /** True from the termination signal on. */
  get draining() {
    return this.#draining.signal.aborted
  }

  /** Aborted when the process starts shutting down. */
  get drainSignal() {
    return this.#draining.signal
  }

  /** Aborted when work still running must give up so the process can exit within the bound. */
  get interruptSignal() {
    return this.#interrupting.signal
  }

  /** Shuts the application down (the signal handler of bin/server.ts) and exits. */
  async run(app: ApplicationService, signal: NodeJS.Signals) {
    if (this.draining) {
      return
    }
    this.#draining.abort()
    if (!app.isReady) {
      // Still booting: nothing is being served yet.
      await app.terminate()
      process.exit()
    }

    const startedAt = Date.now()
    const logger = await app.container.make('logger')
    const server = await app.container.make('server')
    const httpServer = server.getNodeServer()
    logger.info(
      { signal, timeoutMs: shutdownConfig.timeoutMs, delayMs: shutdownConfig.delayMs },
      'shutting down: readiness fails, requests in flight finish'
    )

    const timers = [
      // Connections that fall idle (keep-alive after a response, ended streams) close at once.
      setInterval(() => httpServer?.closeIdleConnections(), 250),
      setTimeout(() => {
        logger.warn('shutdown: interrupting the requests and engine work still running')
        httpServer?.closeAllConnections()
        this.#interrupting.abort()
      }, shutdownConfig.interruptMs),
      setTimeout(() => {
        logger.error(
          { timeoutMs: shutdownConfig.timeoutMs },
          'shutdown did not finish within SHUTDOWN_TIMEOUT; exiting anyway'
        )
        process.exit(1)
      }, shutdownConfig.timeoutMs),
    ]
    for (const timer of timers) {
      timer.unref()
    }

    await sleep(shutdownConfig.delayMs)
    try {
      await app.terminate()
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed')
      process.exit(1)
    }
    logger.info({ durationMs: Date.now() - startedAt }, 'shut down')
    // Sockets the portal does not own (outside clients' keep-alive agents) must not hold it here.
    process.exit()
  }
}

const gracefulShutdown = new GracefulShutdown()

export default gracefulShutdown
