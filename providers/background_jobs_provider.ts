import type { ApplicationService } from '@adonisjs/core/types'
import environmentsConfig from '#config/environments'
import BackgroundJobs from '#services/jobs/background_jobs'
import EngineWork from '#services/environments/engine_work'

/**
 * Starts the background jobs (app/services/jobs/background_jobs.ts) when the
 * process is ready, stops them when it starts draining, and on shutdown
 * lets engine work in flight finish (interrupted near SHUTDOWN_TIMEOUT).
 */
export default class BackgroundJobsProvider {
  constructor(protected app: ApplicationService) {}

  register() {
    // One per process: the provider and whoever asks (tests) share its state.
    this.app.container.singleton(BackgroundJobs, () => new BackgroundJobs())
  }

  async ready() {
    if (!environmentsConfig.jobs.enabled) {
      return
    }
    const { default: gracefulShutdown } = await import('#services/graceful_shutdown')
    if (gracefulShutdown.draining) {
      return
    }
    const jobs = await this.#jobs()
    gracefulShutdown.drainSignal.addEventListener('abort', () => void jobs.stop(), { once: true })
    jobs.start()
  }

  async shutdown() {
    // Shutdown without a termination signal (app.terminate() alone) still stops the jobs.
    const jobs = await this.#jobs()
    await jobs.stop()
    const { default: gracefulShutdown } = await import('#services/graceful_shutdown')
    const work = await this.app.container.make(EngineWork)
    await work.settle(gracefulShutdown.interruptSignal)
  }

  #jobs() {
    return this.app.container.make(BackgroundJobs)
  }
}
