import type { HealthCheckReport } from '@adonisjs/core/types/health'

/** ok: everything answers; degraded: something optional does not (200); error: not ready (503). */
export type ReadinessStatus = 'ok' | 'degraded' | 'error'

export type ReadinessCheck = {
  name: string
  status: 'ok' | 'warning' | 'error'
  message: string
  /** Whether its failure makes the process not ready (HEALTH_REQUIRED_CHECKS). */
  required: boolean
}

export type Readiness = { status: ReadinessStatus; checks: ReadinessCheck[] }

/**
 * Reads a health report the way `/health/ready` answers it: not ready
 * only when a required check fails; any other check that is not ok
 * degrades the report.
 */
export function readinessOf(report: HealthCheckReport, required: ReadonlySet<string>): Readiness {
  const checks = report.checks.map((check) => ({
    name: check.name,
    status: check.status,
    message: check.message,
    required: required.has(check.name),
  }))
  const status = checks.some((check) => check.required && check.status === 'error')
    ? 'error'
    : checks.every((check) => check.status === 'ok')
      ? 'ok'
      : 'degraded'
  return { status, checks }
}

/**
 * Runs the checks, unless the process starts shutting down first or
 * meanwhile: then null at once, so a probe never waits for a slow outside
 * system while traffic should already move elsewhere.
 */
export async function unlessDraining<T>(
  run: () => Promise<T>,
  draining: AbortSignal
): Promise<T | null> {
  if (draining.aborted) {
    return null
  }
  let onAbort = () => {}
  const aborted = new Promise<null>((resolve) => {
    onAbort = () => resolve(null)
    draining.addEventListener('abort', onAbort, { once: true })
  })
  try {
    return await Promise.race([run(), aborted])
  } finally {
    draining.removeEventListener('abort', onAbort)
  }
}
