import type { HttpContext } from '@adonisjs/core/http'
import { healthChecks } from '#start/health'
import healthConfig from '#config/health'
import { readinessOf, unlessDraining } from '#health/readiness'
import gracefulShutdown from '#services/graceful_shutdown'
import { backgroundJobsLease } from '#services/jobs/background_jobs_lease'

/**
 * Liveness (the process answers) and readiness (the database and every
 * configured outside system answer) for load balancers and Kubernetes:
 * 503 when a required check fails, 200 "degraded" when only optional
 * ones do. Readiness also says whether this process leads the background
 * jobs.
 */
export default class HealthController {
  async live({ response }: HttpContext) {
    return response.ok({ status: 'ok' })
  }

  async ready({ response }: HttpContext) {
    const leader = backgroundJobsLease.isLeader
    const report = await unlessDraining(() => healthChecks.run(), gracefulShutdown.drainSignal)
    // Shutting down (before or during the checks): not ready, at once, so traffic moves elsewhere.
    if (!report) {
      return response.serviceUnavailable({
        status: 'error',
        leader,
        checks: [
          {
            name: 'shutdown',
            status: 'error',
            message: 'Shutting down; requests in flight finish',
            required: true,
          },
        ],
      })
    }
    const readiness = readinessOf(report, healthConfig.required)
    const body = { status: readiness.status, leader, checks: readiness.checks }
    return readiness.status === 'error' ? response.serviceUnavailable(body) : response.ok(body)
  }
}
