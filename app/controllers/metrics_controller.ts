import type { HttpContext } from '@adonisjs/core/http'
import { errors as httpErrors } from '@adonisjs/core/http'
import { errors as authErrors } from '@adonisjs/auth'
import metricsConfig from '#config/metrics'
import { metricsRegistry } from '#services/metrics/portal_metrics'
import { acceptsMetricsScrape } from '#services/metrics/metrics_token'

/**
 * Prometheus metrics on the API port, for a scraper holding METRICS_TOKEN.
 * Without a token, or when METRICS_PORT serves them instead, the path
 * answers exactly like an unknown one.
 */
export default class MetricsController {
  async show({ request, response }: HttpContext) {
    if (!metricsConfig.onApiPort) {
      throw new httpErrors.E_ROUTE_NOT_FOUND([request.method(), request.url()])
    }
    if (!acceptsMetricsScrape(request.header('authorization'))) {
      throw new authErrors.E_UNAUTHORIZED_ACCESS('Unauthorized access', {
        guardDriverName: 'metrics',
      })
    }
    response.header('Content-Type', metricsRegistry.contentType)
    return response.send(await metricsRegistry.metrics())
  }
}
