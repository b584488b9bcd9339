/*
|--------------------------------------------------------------------------
| Readiness checks
|--------------------------------------------------------------------------
|
| What "/health/ready" runs: the database, the compute engines, and every
| configured outside system (config/health.ts decides which, and which of
| them make the process not ready when they fail).
|
*/
import { HealthChecks } from '@adonisjs/core/health'
import healthConfig, { type ReadinessCheckName } from '#config/health'
import { DatabaseCheck } from '#health/database_check'
import { ComputeEngineCheck } from '#health/compute_engine_check'
import { UserOfficeCheck } from '#health/user_office_check'
import { GuacamoleDatabaseCheck } from '#health/guacamole_database_check'
import { GuacamoleApiCheck } from '#health/guacamole_api_check'

const CHECKS = {
  database: () => new DatabaseCheck(),
  compute: () => new ComputeEngineCheck(),
  user_office: () => new UserOfficeCheck(),
  guacamole_db: () => new GuacamoleDatabaseCheck(),
  guacamole_api: () => new GuacamoleApiCheck(),
} satisfies Record<ReadinessCheckName, () => unknown>

export const healthChecks = new HealthChecks().register(
  healthConfig.checks.map((name) => CHECKS[name]())
)
