/*
|--------------------------------------------------------------------------
| Readiness checks
|--------------------------------------------------------------------------
|
| What "/health/ready" runs. Each outside system a later capability adds
| (User Office, Docker, Kubernetes, Guacamole database) registers its check.
|
*/
import { HealthChecks } from '@adonisjs/core/health'
import { DatabaseCheck } from '#health/database_check'
import { ComputeEngineCheck } from '#health/compute_engine_check'

export const healthChecks = new HealthChecks().register([
  new DatabaseCheck(),
  new ComputeEngineCheck(),
])
