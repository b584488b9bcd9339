import type { ApplicationService } from '@adonisjs/core/types'
import environmentsConfig from '#config/environments'

/**
 * Runs the reconciler and the expiry job in the web server: at start and
 * then periodically, in whichever portal process holds the job lease. On
 * shutdown it stops scheduling, lets engine work in flight finish, and
 * gives the lease up.
 */
export default class BackgroundJobsProvider {
  #timer: NodeJS.Timeout | null = null
  #running: Promise<void> | null = null
  #release: (() => Promise<void>) | null = null

  constructor(protected app: ApplicationService) {}

  async ready() {
    if (!environmentsConfig.jobs.enabled) {
      return
    }
    const { default: JobLease } = await import('#services/jobs/job_lease')
    const { default: EnvironmentReconciler } =
      await import('#services/environments/environment_reconciler')
    const { default: EnvironmentExpiry } = await import('#services/environments/environment_expiry')
    const logger = await this.app.container.make('logger')
    const lease = new JobLease('background-jobs', environmentsConfig.jobs.intervalMs * 3)
    this.#release = () => lease.release()

    const tick = async () => {
      try {
        if (!(await lease.acquire())) {
          return
        }
        const reconciler = await this.app.container.make(EnvironmentReconciler)
        const expiry = await this.app.container.make(EnvironmentExpiry)
        const reports = await reconciler.run()
        const expired = await expiry.run()
        logger.info({ reconcile: reports, expired }, 'background jobs ran')
      } catch (error) {
        logger.error({ err: error }, 'background jobs failed')
      }
    }
    this.#running = tick()
    this.#timer = setInterval(() => {
      this.#running = tick()
    }, environmentsConfig.jobs.intervalMs)
  }

  async shutdown() {
    if (this.#timer) {
      clearInterval(this.#timer)
    }
    await this.#running
    const { default: EnvironmentProvisioner } =
      await import('#services/environments/environment_provisioner')
    await EnvironmentProvisioner.settle()
    await this.#release?.().catch(() => {})
  }
}
