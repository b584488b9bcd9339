import env from '#start/env'
import accessConfig from '#config/access'
import userOfficeConfig from '#config/user_office'

/** Every readiness check the portal knows (docs/operations.md, "Readiness"). */
export const READINESS_CHECKS = [
  'database',
  'compute',
  'user_office',
  'guacamole_db',
  'guacamole_api',
] as const
export type ReadinessCheckName = (typeof READINESS_CHECKS)[number]

/** Outside systems that are configured, so their readiness is checked. */
function configuredChecks(): ReadinessCheckName[] {
  const { broker, guacamole } = accessConfig
  return READINESS_CHECKS.filter((name) => {
    switch (name) {
      case 'user_office':
        return userOfficeConfig.enabled
      case 'guacamole_db':
        // Without GUACAMOLE_URL nothing is ever granted (access answers 503 at once).
        return broker === 'guacamole-db' && Boolean(guacamole.url)
      case 'guacamole_api':
        return broker !== 'none' && Boolean(guacamole.apiUrl)
      default:
        return true
    }
  })
}

/** HEALTH_REQUIRED_CHECKS, validated: known names of checks this configuration runs. */
function requiredChecks(checks: ReadinessCheckName[]) {
  const listed = env
    .get('HEALTH_REQUIRED_CHECKS', 'database,compute')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean)
  for (const name of listed) {
    if (!(READINESS_CHECKS as readonly string[]).includes(name)) {
      throw new Error(
        `Invalid environment variable "HEALTH_REQUIRED_CHECKS": unknown check "${name}" (known: ${READINESS_CHECKS.join(', ')})`
      )
    }
    if (!(checks as string[]).includes(name)) {
      throw new Error(
        `Invalid environment variable "HEALTH_REQUIRED_CHECKS": "${name}" is not checked in this configuration (checked: ${checks.join(', ')})`
      )
    }
  }
  // Without its database the portal serves nothing: always required.
  return new Set<ReadinessCheckName>(['database', ...(listed as ReadinessCheckName[])])
}

const checks = configuredChecks()

/**
 * What `/health/ready` checks and which failures make the process not
 * ready (503). A failing check that is not required only degrades the
 * report (200, status "degraded").
 */
const healthConfig = {
  checks,
  required: requiredChecks(checks),
  /**
   * Longest wait for one outside system's answer during a probe, below
   * the Kubernetes probe's own timeout (5 s): a slow optional system must
   * degrade the report, not time the whole probe out.
   */
  probeTimeoutMs: 2000,
}

export default healthConfig
