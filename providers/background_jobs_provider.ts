import type { ApplicationService } from '@adonisjs/core/types'
import environmentsConfig from '#config/environments'

/**
 * Runs the reconciler, the expiry job, the activity refresh, idle stops and
 * warnings, and (in a loop of its own, so a slow SMTP server delays none of
 * them) the mail outbox, in whichever portal process holds the
 * background-jobs lease. Every
 * JOBS_INTERVAL_SECONDS (and at start) the process takes or renews the
 * lease and, while it holds it, starts a run unless one is still going —
 * renewals carry on during a long run, and runs never overlap. Gaining and
 * losing the lease are logged. When the process starts shutting down it
 * stops, waits for the run in progress and releases the lease at once, so
 * another process takes over within an interval; on shutdown it lets
 * engine work in flight finish (interrupted near SHUTDOWN_TIMEOUT).
 */
export default class BackgroundJobsProvider {
  #timer: NodeJS.Timeout | null = null
  #renewal: Promise<void> | null = null
  #run: Promise<void> | null = null
  #mail: Promise<void> | null = null
  #stopping: Promise<void> | null = null
  /** Stops scheduling and gives the lease up (set by ready()). */
  #stop: (() => Promise<void>) | null = null

  constructor(protected app: ApplicationService) {}

  async ready() {
    if (!environmentsConfig.jobs.enabled) {
      return
    }
    const { default: gracefulShutdown } = await import('#services/graceful_shutdown')
    if (gracefulShutdown.draining) {
      return
    }
    const { backgroundJobsLease: lease } = await import('#services/jobs/background_jobs_lease')
    const { default: JobLease } = await import('#services/jobs/job_lease')
    const { default: EnvironmentReconciler } =
      await import('#services/environments/environment_reconciler')
    const { default: EnvironmentExpiry } = await import('#services/environments/environment_expiry')
    const { default: EnvironmentActivity } = await import('#services/activity/environment_activity')
    const { default: EnvironmentIdleStop } =
      await import('#services/environments/environment_idle_stop')
    const { default: EnvironmentWarnings } =
      await import('#services/environments/environment_warnings')
    const { default: MailOutbox } = await import('#services/notifications/mail_outbox')
    const logger = await this.app.container.make('logger')
    const context = { lease: lease.name, holder: JobLease.holder }
    let leading = false

    const runJobs = async () => {
      try {
        const reconciler = await this.app.container.make(EnvironmentReconciler)
        const expiry = await this.app.container.make(EnvironmentExpiry)
        const reports = await reconciler.run()
        const expired = await expiry.run()
        // Fresh activity first: nobody is stopped or warned on stale data.
        const activity = await this.app.container.make(EnvironmentActivity)
        const idle = await this.app.container.make(EnvironmentIdleStop)
        const warnings = await this.app.container.make(EnvironmentWarnings)
        const active = await activity.refresh()
        const idleStopped = await idle.run()
        const warned = await warnings.run()
        logger.info(
          { reconcile: reports, expired, active, idleStopped, warned },
          'background jobs ran'
        )
      } catch (error) {
        logger.error({ err: error }, 'background jobs failed')
      }
    }

    const deliverMail = async () => {
      try {
        const outbox = await this.app.container.make(MailOutbox)
        const report = await outbox.deliver()
        if (report.sent || report.failed) {
          logger.info({ mail: report }, 'mail outbox delivered')
        }
      } catch (error) {
        logger.error({ err: error }, 'mail outbox failed')
      }
    }

    const renew = async () => {
      try {
        await lease.acquire()
      } catch (error) {
        // Still the leader until the lease could have expired (lease.isLeader says when).
        logger.error({ err: error, ...context }, 'background jobs: lease renewal failed')
      }
      if (lease.isLeader !== leading) {
        leading = lease.isLeader
        logger.info(
          context,
          leading
            ? 'background jobs: this process now leads (runs the reconciler and expiry)'
            : 'background jobs: this process no longer leads'
        )
      }
      if (leading && !this.#run && !this.#stopping) {
        this.#run = runJobs().finally(() => (this.#run = null))
      }
      if (leading && !this.#mail && !this.#stopping) {
        this.#mail = deliverMail().finally(() => (this.#mail = null))
      }
    }

    const beat = () => {
      this.#renewal = renew().finally(() => {
        this.#renewal = null
        if (!this.#stopping) {
          this.#timer = setTimeout(beat, environmentsConfig.jobs.intervalMs)
        }
      })
    }

    const stop = async () => {
      if (this.#timer) {
        clearTimeout(this.#timer)
      }
      await this.#renewal
      await this.#run
      await this.#mail
      try {
        await lease.release()
        if (leading) {
          logger.info(context, 'background jobs: lease released, another process may lead')
        }
      } catch (error) {
        // It expires by itself; another process takes over then.
        logger.warn({ err: error, ...context }, 'background jobs: releasing the lease failed')
      }
    }

    gracefulShutdown.drainSignal.addEventListener(
      'abort',
      () => {
        this.#stopping = stop()
      },
      { once: true }
    )
    this.#stop = stop
    beat()
  }

  async shutdown() {
    // Shutdown without a termination signal (app.terminate() alone) still stops the jobs.
    this.#stopping ??= this.#stop?.() ?? null
    await this.#stopping
    const { default: gracefulShutdown } = await import('#services/graceful_shutdown')
    const { default: EnvironmentProvisioner } =
      await import('#services/environments/environment_provisioner')
    await EnvironmentProvisioner.settle(gracefulShutdown.interruptSignal)
  }
}
