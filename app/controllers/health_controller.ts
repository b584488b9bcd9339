import type { HttpContext } from '@adonisjs/core/http'
import { healthChecks } from '#start/health'

/**
 * Liveness (the process answers) and readiness (the database and every
 * configured outside system answer) for load balancers and Kubernetes.
 */
export default class HealthController {
  async live({ response }: HttpContext) {
    return response.ok({ status: 'ok' })
  }

  async ready({ response }: HttpContext) {
    const report = await healthChecks.run()
    const body = {
      status: report.isHealthy ? 'ok' : 'error',
      checks: report.checks.map((check) => ({
        name: check.name,
        status: check.status,
        message: check.message,
      })),
    }
    return report.isHealthy ? response.ok(body) : response.serviceUnavailable(body)
  }
}
