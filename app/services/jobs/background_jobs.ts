import app from '@adonisjs/core/services/app'
import logger from '@adonisjs/core/services/logger'
import environmentsConfig from '#config/environments'
import { backgroundJobsLease as lease } from '#services/jobs/background_jobs_lease'
import JobLease from '#services/jobs/job_lease'
import EnvironmentReconciler from '#services/environments/environment_reconciler'
import EnvironmentExpiry from '#services/environments/environment_expiry'
import EnvironmentActivity from '#services/activity/environment_activity'
import EnvironmentIdleStop from '#services/environments/environment_idle_stop'
import EnvironmentWarnings from '#services/environments/environment_warnings'
import MailOutbox from '#services/notifications/mail_outbox'
import userOfficeConfig from '#config/user_office'
import ExperimentBackgroundSync from '#services/experiments/experiment_background_sync'
import RequestPace from '#services/user_office/request_pace'

/**
 * Runs the reconciler, the expiry job, the activity refresh, idle stops and
 * warnings, and (in loops of their own, so a slow SMTP server or a paced
 * User Office delays none of them) the mail outbox and the background User
 * Office sync, in whichever portal process holds the background-jobs lease. Every JOBS_INTERVAL_SECONDS (and at start) the
 * process takes or renews the lease and, while it holds it, starts a run
 * unless one is still going — renewals carry on during a long run, and runs
 * never overlap. Gaining and losing the lease are logged. `stop()` stops
 * scheduling, waits for the run in progress and releases the lease at once,
 * so another process takes over within an interval.
 */
export default class BackgroundJobs {
  #timer: NodeJS.Timeout | null = null
  #renewal: Promise<void> | null = null
  #run: Promise<void> | null = null
  #mail: Promise<void> | null = null
  #userOffice: Promise<void> | null = null
  /** The background sync's budget and its way to stop at once, for one term as leader. */
  #userOfficeTerm: { pace: RequestPace; abort: AbortController } | null = null
  #stopping: Promise<void> | null = null
  #started = false
  #leading = false
  #context = { lease: lease.name, holder: JobLease.holder }

  /** Starts the heartbeat (once). */
  start() {
    if (this.#started) {
      return
    }
    this.#started = true
    this.#beat()
  }

  /** Stops scheduling and gives the lease up; the same promise for every caller. */
  stop() {
    if (!this.#started) {
      return Promise.resolve()
    }
    this.#stopping ??= this.#halt()
    return this.#stopping
  }

  async #runJobs() {
    try {
      const reconciler = await app.container.make(EnvironmentReconciler)
      const expiry = await app.container.make(EnvironmentExpiry)
      const reports = await reconciler.run()
      const expired = await expiry.run()
      // Fresh activity first: nobody is stopped or warned on stale data.
      const activity = await app.container.make(EnvironmentActivity)
      const idle = await app.container.make(EnvironmentIdleStop)
      const warnings = await app.container.make(EnvironmentWarnings)
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

  async #deliverMail() {
    try {
      const outbox = await app.container.make(MailOutbox)
      const report = await outbox.deliver()
      if (report.sent || report.failed) {
        logger.info({ mail: report }, 'mail outbox delivered')
      }
    } catch (error) {
      logger.error({ err: error }, 'mail outbox failed')
    }
  }

  async #syncUserOffice(term: { pace: RequestPace; abort: AbortController }) {
    try {
      const sync = await app.container.make(ExperimentBackgroundSync)
      const report = await sync.run(term.pace, term.abort.signal)
      if (report.synced || report.failed || report.backedOff) {
        logger.info({ userOffice: report }, 'background User Office sync ran')
      }
    } catch (error) {
      logger.error({ err: error }, 'background User Office sync failed')
    }
  }

  /** Starts a User Office pass unless one runs; a new term as leader starts a new budget. */
  #startUserOfficeSync() {
    if (!userOfficeConfig.backgroundSync.enabled || this.#userOffice) {
      return
    }
    this.#userOfficeTerm ??= {
      pace: new RequestPace(userOfficeConfig.backgroundSync.requestsPerMinute),
      abort: new AbortController(),
    }
    this.#userOffice = this.#syncUserOffice(this.#userOfficeTerm).finally(
      () => (this.#userOffice = null)
    )
  }

  /** Ends the term's pass at once (waits for the pace end). */
  #endUserOfficeTerm() {
    this.#userOfficeTerm?.abort.abort()
    this.#userOfficeTerm = null
  }

  async #renew() {
    try {
      await lease.acquire()
    } catch (error) {
      // Still the leader until the lease could have expired (lease.isLeader says when).
      logger.error({ err: error, ...this.#context }, 'background jobs: lease renewal failed')
    }
    if (lease.isLeader !== this.#leading) {
      this.#leading = lease.isLeader
      if (!this.#leading) {
        this.#endUserOfficeTerm()
      }
      logger.info(
        this.#context,
        this.#leading
          ? 'background jobs: this process now leads (runs the reconciler and expiry)'
          : 'background jobs: this process no longer leads'
      )
    }
    if (this.#leading && !this.#run && !this.#stopping) {
      this.#run = this.#runJobs().finally(() => (this.#run = null))
    }
    if (this.#leading && !this.#mail && !this.#stopping) {
      this.#mail = this.#deliverMail().finally(() => (this.#mail = null))
    }
    if (this.#leading && !this.#stopping) {
      this.#startUserOfficeSync()
    }
  }

  #beat() {
    this.#renewal = this.#renew().finally(() => {
      this.#renewal = null
      if (!this.#stopping) {
        this.#timer = setTimeout(() => this.#beat(), environmentsConfig.jobs.intervalMs)
      }
    })
  }

  async #halt() {
    if (this.#timer) {
      clearTimeout(this.#timer)
    }
    this.#endUserOfficeTerm()
    await this.#renewal
    await this.#run
    await this.#mail
    await this.#userOffice
    try {
      await lease.release()
      if (this.#leading) {
        logger.info(this.#context, 'background jobs: lease released, another process may lead')
      }
    } catch (error) {
      // It expires by itself; another process takes over then.
      logger.warn({ err: error, ...this.#context }, 'background jobs: releasing the lease failed')
    }
  }
}
