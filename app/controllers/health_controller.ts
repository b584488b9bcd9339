import type { HttpContext } from '@adonisjs/core/http'
import { healthChecks } from '#start/health'
import gracefulShutdown from '#services/graceful_shutdown'
import { backgroundJobsLease } from '#services/jobs/background_jobs_lease'

/**
 * Liveness (the process answers) and readiness (the database and every
 * configured outside system answer) for load balancers and Kubernetes.
 * Readiness also says whether this process leads the background jobs.
 */
export default class HealthController {
  async live({ response }: HttpContext) {
    return response.ok({ status: 'ok' })
  }

  async ready({ response }: HttpContext) {
    const leader = backgroundJobsLease.isLeader
    // Shutting down: not ready, at once and without asking anyone, so traffic moves elsewhere.
    if (gracefulShutdown.draining) {
      return response.serviceUnavailable({
        status: 'error',
        leader,
        checks: [
          {
            name: 'shutdown',
            status: 'error',
            message: 'Shutting down; requests in flight finish',
          },
        ],
      })
    }
    const report = await healthChecks.run()
    const body = {
      status: report.isHealthy ? 'ok' : 'error',
      leader,
      checks: report.checks.map((check) => ({
        name: check.name,
        status: check.status,
        message: check.message,
      })),
    }
    return report.isHealthy ? response.ok(body) : response.serviceUnavailable(body)
  }
}
