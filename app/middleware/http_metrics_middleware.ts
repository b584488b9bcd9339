import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import { httpRequestDuration } from '#services/metrics/portal_metrics'

type Observer = ReturnType<typeof httpRequestDuration.labels>

/**
 * The histogram's child per method, route and status, made on first use:
 * prom-client would otherwise validate and hash the labels of every
 * observation. Bounded like the series themselves (methods the HTTP parser
 * accepts, route patterns, statuses).
 */
const observers = new Map<string, Observer>()

function observerFor(method: string, route: string, status: string) {
  const key = `${method} ${status} ${route}`
  let observer = observers.get(key)
  if (!observer) {
    observer = httpRequestDuration.labels(method, route, status)
    observers.set(key, observer)
  }
  return observer
}

/**
 * Times every request into portal_http_request_duration_seconds, labelled
 * by the route pattern ("/api/v1/environments/:id"), never the URL, so the
 * number of series stays bounded whatever clients ask for.
 */
export default class HttpMetricsMiddleware {
  async handle(ctx: HttpContext, next: NextFn) {
    const startedAt = process.hrtime.bigint()
    try {
      await next()
    } finally {
      // Errors are rendered before this runs, so the status is the one sent.
      const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9
      observerFor(
        ctx.request.method(),
        ctx.route?.pattern ?? 'unmatched',
        String(ctx.response.getStatus())
      ).observe(seconds)
    }
  }
}
