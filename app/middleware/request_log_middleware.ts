import type { HttpContext } from '@adonisjs/core/http'
import type { AroundMiddleware } from '#middleware/server_middleware_chain'

/**
 * One log line per request once it is answered: method, route, status,
 * duration and user. The query string is left out (it may hold tokens).
 * Runs around the server's chain (every_request_middleware.ts).
 */
export default class RequestLogMiddleware implements AroundMiddleware<bigint> {
  receiving() {
    return process.hrtime.bigint()
  }

  answered(ctx: HttpContext, startedAt: bigint) {
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
