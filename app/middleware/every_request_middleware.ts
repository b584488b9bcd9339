import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import HttpMetricsMiddleware from '#middleware/http_metrics_middleware'
import DrainMiddleware from '#middleware/drain_middleware'
import RequestIdMiddleware from '#middleware/request_id_middleware'
import SecurityHeadersMiddleware from '#middleware/security_headers_middleware'
import ForceJsonResponseMiddleware from '#middleware/force_json_response_middleware'
import RequestLogMiddleware from '#middleware/request_log_middleware'
import CorsMiddleware from '#middleware/cors_middleware'
import { chainMiddleware } from '#middleware/server_middleware_chain'

/**
 * What every request passes (also unknown routes, so their 404 gets a
 * request id, JSON and a log line): its duration is timed, the drain
 * header added while shutting down and one log line written once
 * answered (around the rest); the request id settled, security headers
 * set, JSON forced and CORS applied (the context is not bound in the request's
 * container: providers/api_provider.ts). One
 * server middleware running them in order (server_middleware_chain.ts).
 */
const everyRequest = chainMiddleware(
  [
    new RequestIdMiddleware(),
    new SecurityHeadersMiddleware(),
    new ForceJsonResponseMiddleware(),
    new CorsMiddleware(),
  ],
  // Around the chain above, in one async frame: timed, drained, logged.
  [new HttpMetricsMiddleware(), new DrainMiddleware(), new RequestLogMiddleware()]
)

export default class EveryRequestMiddleware {
  handle(ctx: HttpContext, next: NextFn) {
    return everyRequest(ctx, next)
  }
}
