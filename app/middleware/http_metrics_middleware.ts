import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import { httpRequestDuration } from '#services/metrics/portal_metrics'

/**
 * Times every request into portal_http_request_duration_seconds, labelled
 * by the route pattern ("/api/v1/environments/:id"), never the URL, so the
 * number of series stays bounded whatever clients ask for.
 */
export default class HttpMetricsMiddleware {
  async handle(ctx: HttpContext, next: NextFn) {
    const stopTimer = httpRequestDuration.startTimer()
    try {
      await next()
    } finally {
      // Errors are rendered before this runs, so the status is the one sent.
      stopTimer({
        method: ctx.request.method(),
        route: ctx.route?.pattern ?? 'unmatched',
        status: String(ctx.response.getStatus()),
      })
    }
  }
}
