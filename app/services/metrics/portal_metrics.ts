import { readFileSync } from 'node:fs'
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import logger from '@adonisjs/core/services/logger'
import provisioningConfig from '#config/provisioning'
import { ENVIRONMENT_STATES } from '#domain/environment_states'

/*
|--------------------------------------------------------------------------
| The portal's Prometheus metrics (docs/metrics.md)
|--------------------------------------------------------------------------
|
| One registry of its own (not prom-client's global one), so that nothing
| a dependency registers leaks into /metrics and tests read exactly this.
| Labels stay low-cardinality: route patterns, never URLs or user ids.
|
*/
export const metricsRegistry = new Registry()

collectDefaultMetrics({ register: metricsRegistry })

/** Request latencies from 5 ms to 10 s. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

/** Requisitions take seconds to minutes (image checks, container start, readiness). */
const REQUISITION_BUCKETS = [1, 2, 5, 10, 20, 30, 60, 120, 300, 600]

/** Calls to outside systems, from a fast database write to a slow pod start. */
const OUTSIDE_CALL_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

export const httpRequestDuration = new Histogram({
  name: 'portal_http_request_duration_seconds',
  help: 'Time to answer an HTTP request, by method, route pattern and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: HTTP_BUCKETS,
  registers: [metricsRegistry],
})

export const environmentRequisitionDuration = new Histogram({
  name: 'portal_environment_requisition_duration_seconds',
  help: 'Time from an environment request until it runs or fails, by driver and outcome',
  labelNames: ['driver', 'outcome'] as const,
  buckets: REQUISITION_BUCKETS,
  registers: [metricsRegistry],
})

export const quotaRefusals = new Counter({
  name: 'portal_quota_refusals_total',
  help: 'Environment requests and starts refused because a quota limit would be exceeded, by resource',
  labelNames: ['resource'] as const,
  registers: [metricsRegistry],
})

export const outsideCallDuration = new Histogram({
  name: 'portal_outside_call_duration_seconds',
  help: 'Duration of calls to outside systems (successful or not), by system and operation',
  labelNames: ['system', 'operation'] as const,
  buckets: OUTSIDE_CALL_BUCKETS,
  registers: [metricsRegistry],
})

export const outsideCallErrors = new Counter({
  name: 'portal_outside_call_errors_total',
  help: 'Failed calls to outside systems, by system, operation and kind (unavailable or refused)',
  labelNames: ['system', 'operation', 'kind'] as const,
  registers: [metricsRegistry],
})

export const reconcilerRuns = new Counter({
  name: 'portal_reconciler_runs_total',
  help: 'Reconciler passes over one compute engine, by driver and outcome (completed or skipped)',
  labelNames: ['driver', 'outcome'] as const,
  registers: [metricsRegistry],
})

export const reconcilerCorrections = new Counter({
  name: 'portal_reconciler_corrections_total',
  help: 'Disagreements between the database and the engines the reconciler corrected, by kind',
  labelNames: ['kind'] as const,
  registers: [metricsRegistry],
})

export const environmentsExpired = new Counter({
  name: 'portal_environments_expired_total',
  help: 'Environments past their expiry that the expiry job sent to removal',
  registers: [metricsRegistry],
})

export const environmentsIdleStopped = new Counter({
  name: 'portal_environments_idle_stopped_total',
  help: "Running environments the idle job stopped after their image's idle limit",
  registers: [metricsRegistry],
})

export const environmentRunEndings = new Counter({
  name: 'portal_environment_run_endings_total',
  help: 'Environments whose run ended, by cause: manual (stopped by a person or an admin), idle (stopped by the idle job), expiry (removed at expiry)',
  labelNames: ['cause'] as const,
  registers: [metricsRegistry],
})

export const notificationsCreated = new Counter({
  name: 'portal_notifications_total',
  help: 'Notifications made, by kind (expiry_warning, idle_warning, idle_stopped)',
  labelNames: ['kind'] as const,
  registers: [metricsRegistry],
})

export const mailDeliveries = new Counter({
  name: 'portal_mail_deliveries_total',
  help: 'Attempts to send an e-mail of the outbox, by outcome (sent, retry, given_up)',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
})

export const userOfficeBackgroundSyncs = new Counter({
  name: 'portal_user_office_background_syncs_total',
  help: 'Users whose experiments the background sync refreshed (synced), could not (failed), or paused on (backed_off: the User Office answered 429/503)',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
})

new Gauge({
  name: 'portal_user_office_sync_lag_seconds',
  help: 'Age of the oldest experiment list among active User Office users (0 when none; every portal process reports the same)',
  registers: [metricsRegistry],
  async collect() {
    const { default: userOfficeConfig } = await import('#config/user_office')
    if (!userOfficeConfig.enabled) {
      this.set(0)
      return
    }
    try {
      const { userOfficeSyncLagSeconds } =
        await import('#services/experiments/experiment_background_sync')
      this.set(await userOfficeSyncLagSeconds())
    } catch (error) {
      logger.warn({ err: error }, 'metrics: User Office sync lag not measured')
    }
  },
})

export const signIns = new Counter({
  name: 'portal_sign_ins_total',
  help: 'Sign-in attempts, by provider and outcome',
  labelNames: ['provider', 'outcome'] as const,
  registers: [metricsRegistry],
})

new Gauge({
  name: 'portal_background_jobs_leader',
  help: '1 while this process holds the background-jobs lease (runs the reconciler and expiry)',
  registers: [metricsRegistry],
  // The lease's own view, which lapses before another process may take over.
  // Imported at scrape time: the lease needs the database service.
  async collect() {
    const { backgroundJobsLease } = await import('#services/jobs/background_jobs_lease')
    this.set(backgroundJobsLease.isLeader ? 1 : 0)
  },
})

/** The version package.json gives (the framework does not read it). */
const portalVersion: string =
  JSON.parse(readFileSync(app.makePath('package.json'), 'utf8')).version ?? 'unknown'

new Gauge({
  name: 'portal_build_info',
  help: 'Always 1; the labels say which portal version runs on which Node.js',
  labelNames: ['version', 'node_version'] as const,
  registers: [metricsRegistry],
  collect() {
    this.set({ version: portalVersion, node_version: process.version }, 1)
  },
})

/** States counted by the environments gauge ("removed" rows only pile up: left out). */
const LIVE_STATES = ENVIRONMENT_STATES.filter((state) => state !== 'removed')

new Gauge({
  name: 'portal_environments',
  help: 'Environments in the shared database by state and driver (every portal process reports the same)',
  labelNames: ['state', 'driver'] as const,
  registers: [metricsRegistry],
  async collect() {
    this.reset()
    const drivers = provisioningConfig.kubernetes.enabled ? ['docker', 'kubernetes'] : ['docker']
    try {
      const rows = await db
        .from('environments')
        .whereIn('state', LIVE_STATES)
        .select('state', 'driver')
        .count('* as total')
        .groupBy('state', 'driver')
      // Zeros too, so that "stuck in provisioning" alerts see a series that exists.
      for (const state of LIVE_STATES) {
        for (const driver of drivers) {
          this.set({ state, driver }, 0)
        }
      }
      for (const row of rows) {
        this.set({ state: row.state, driver: row.driver }, Number(row.total))
      }
    } catch (error) {
      // The scrape still answers (process metrics matter most when the database is down).
      logger.warn({ err: error }, 'metrics: environments not counted')
    }
  },
})
