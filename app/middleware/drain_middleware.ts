import type { HttpContext } from '@adonisjs/core/http'
import type { AroundMiddleware } from '#middleware/server_middleware_chain'
import gracefulShutdown from '#services/graceful_shutdown'

/**
 * While the process shuts down, every response (also of requests that
 * began before) asks the client to close its connection, so keep-alive
 * clients reconnect to another process instead of holding this one open.
 * Runs around the server's chain (every_request_middleware.ts).
 */
export default class DrainMiddleware implements AroundMiddleware<void> {
  receiving() {}

  answered(ctx: HttpContext) {
    if (gracefulShutdown.draining) {
      ctx.response.header('Connection', 'close')
    }
  }
}
