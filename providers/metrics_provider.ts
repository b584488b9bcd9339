import type { ApplicationService } from '@adonisjs/core/types'
import metricsConfig from '#config/metrics'
import type MetricsServer from '#services/metrics/metrics_server'

/**
 * Opens the METRICS_PORT listener next to the web server (when
 * configured) and closes it on shutdown. It opens before the web server
 * listens, so once the process answers /health/live its metrics answer too.
 */
export default class MetricsProvider {
  #server: MetricsServer | null = null

  constructor(protected app: ApplicationService) {}

  async start() {
    if (metricsConfig.port === undefined) {
      return
    }
    const { default: MetricsServer } = await import('#services/metrics/metrics_server')
    const logger = await this.app.container.make('logger')
    this.#server = new MetricsServer()
    await this.#server.listen(metricsConfig.host, metricsConfig.port)
    logger.info(`metrics served on http://${metricsConfig.host}:${metricsConfig.port}/metrics`)
  }

  async shutdown() {
    await this.#server?.close()
  }
}
