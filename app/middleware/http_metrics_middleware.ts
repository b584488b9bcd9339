import type { HttpContext } from '@adonisjs/core/http'
import type { AroundMiddleware } from '#middleware/server_middleware_chain'
import { httpRequestDuration } from '#services/metrics/portal_metrics'

type Observer = ReturnType<typeof httpRequestDuration.labels>

/**
 * The histogram's child per route, status and method, made on first use:
 * prom-client would otherwise validate and hash the labels of every
 * observation. Bounded like the series themselves (route patterns,
 * statuses, methods the HTTP parser accepts). Nested maps, so that a
 * request looks its child up without building a key.
 */
const observers = new Map<string, Map<number, Map<string, Observer>>>()

function observerFor(method: string, route: string, status: number) {
  let byStatus = observers.get(route)
  if (!byStatus) {
    byStatus = new Map()
    observers.set(route, byStatus)
  }
  let byMethod = byStatus.get(status)
  if (!byMethod) {
    byMethod = new Map()
    byStatus.set(status, byMethod)
  }
  let observer = byMethod.get(method)
  if (!observer) {
    observer = httpRequestDuration.labels(method, route, String(status))
    byMethod.set(method, observer)
  }
  return observer
}

/**
 * Times every request into portal_http_request_duration_seconds, labelled
 * by the route pattern ("/api/v1/environments/:id"), never the URL, so the
 * number of series stays bounded whatever clients ask for. Runs around the
 * server's chain, outermost (every_request_middleware.ts).
 */
export default class HttpMetricsMiddleware implements AroundMiddleware<bigint> {
  receiving() {
    return process.hrtime.bigint()
  }

  answered(ctx: HttpContext, startedAt: bigint) {
    // Errors are rendered before this runs, so the status is the one sent.
    const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9
    observerFor(
      ctx.request.method(),
      ctx.route?.pattern ?? 'unmatched',
      ctx.response.getStatus()
    ).observe(seconds)
  }
}
