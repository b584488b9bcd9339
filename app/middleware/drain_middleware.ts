import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import gracefulShutdown from '#services/graceful_shutdown'

/**
 * While the process shuts down, every response (also of requests that
 * began before) asks the client to close its connection, so keep-alive
 * clients reconnect to another process instead of holding this one open.
 */
export default class DrainMiddleware {
  async handle(ctx: HttpContext, next: NextFn) {
    try {
      await next()
    } finally {
      if (gracefulShutdown.draining) {
        ctx.response.header('Connection', 'close')
      }
    }
  }
}
