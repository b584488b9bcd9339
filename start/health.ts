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
import { DbCheck } from '@adonisjs/lucid/database'
import db from '@adonisjs/lucid/services/db'
import { ComputeEngineCheck } from '#health/compute_engine_check'

export const healthChecks = new HealthChecks().register([
  new DbCheck(db.connection()).as('database'),
  new ComputeEngineCheck(),
])
