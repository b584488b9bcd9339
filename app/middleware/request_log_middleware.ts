import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'

/**
 * One log line per request once it is answered: method, route, status,
 * duration and user. The query string is left out (it may hold tokens).
 */
export default class RequestLogMiddleware {
  async handle(ctx: HttpContext, next: NextFn) {
    const startedAt = process.hrtime.bigint()
    try {
      await next()
    } finally {
      const durationMs = Number(process.hrtime.bigint() - startedAt) / 1e6
      ctx.logger.info(
        {
          method: ctx.request.method(),
          path: ctx.request.url(false),
          route: ctx.route?.pattern,
          status: ctx.response.getStatus(),
          durationMs: Math.round(durationMs * 10) / 10,
          // Snake case like request_id, so log queries join the two.
          user_id: ctx.auth?.user?.id,
          clientIp: ctx.request.ip(),
        },
        'request completed'
      )
    }
  }
}
