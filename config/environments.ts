import env from '#start/env'
import { parseBytes, parseMillicores } from '#domain/resource_units'

function quantity<T>(name: string, parse: (input: string) => T, value: string) {
  try {
    return parse(value)
  } catch (error) {
    throw new Error(`Invalid environment variable "${name}": ${(error as Error).message}`)
  }
}

function optionalQuantity<T>(name: string, parse: (input: string) => T, value?: string) {
  return value === undefined || value === '' ? null : quantity(name, parse, value)
}

const lifetimeHours = env.get('ENVIRONMENT_LIFETIME_HOURS', 168)
const maxLifetimeHours = env.get('ENVIRONMENT_MAX_LIFETIME_HOURS', 720)
if (lifetimeHours > maxLifetimeHours) {
  throw new Error(
    `Invalid environment variable "ENVIRONMENT_LIFETIME_HOURS": ${lifetimeHours} is longer than ENVIRONMENT_MAX_LIFETIME_HOURS (${maxLifetimeHours})`
  )
}

/**
 * Lifetimes and the site's default quota. The default quota is the
 * starting value of the admin-editable site default (stored in the
 * database once an admin changes it).
 */
const environmentsConfig = {
  /** Default lifetime of a new environment; images may override it. */
  lifetimeHours,
  /** Owners and admins may extend up to this long after creation. */
  maxLifetimeHours,
  /** Launches (new or restarted) in progress at once across the site; 0 = no limit. */
  maxConcurrentLaunches: env.get('ENVIRONMENT_MAX_CONCURRENT_LAUNCHES', 100),

  /** Background jobs (reconciler, expiry): one elected process runs them this often. */
  jobs: {
    enabled: env.get('JOBS_ENABLED', true),
    intervalMs: env.get('JOBS_INTERVAL_SECONDS', 30) * 1000,
  },

  defaultQuota: {
    environments: env.get('QUOTA_DEFAULT_ENVIRONMENTS', 5),
    cpuMillicores: quantity(
      'QUOTA_DEFAULT_CPU',
      parseMillicores,
      env.get('QUOTA_DEFAULT_CPU', '10')
    ),
    memoryBytes: quantity(
      'QUOTA_DEFAULT_MEMORY',
      parseBytes,
      env.get('QUOTA_DEFAULT_MEMORY', '30Gi')
    ),
    storageBytes: quantity(
      'QUOTA_DEFAULT_STORAGE',
      parseBytes,
      env.get('QUOTA_DEFAULT_STORAGE', '80Gi')
    ),
    gpus: env.get('QUOTA_DEFAULT_GPUS', 0),
  },

  /**
   * What the site can run at once, shown next to the reservations in the
   * admin overview; each null when not configured (nothing is enforced).
   */
  capacity: {
    cpuMillicores: optionalQuantity('CAPACITY_CPU', parseMillicores, env.get('CAPACITY_CPU')),
    memoryBytes: optionalQuantity('CAPACITY_MEMORY', parseBytes, env.get('CAPACITY_MEMORY')),
    gpus: env.get('CAPACITY_GPUS') ?? null,
  },
}

export default environmentsConfig
