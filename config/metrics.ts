import env from '#start/env'

const token = env.get('METRICS_TOKEN')
const port = env.get('METRICS_PORT')

if (token !== undefined && token.release().length < 16) {
  throw new Error('Invalid environment variable "METRICS_TOKEN": use at least 16 random characters')
}
if (port !== undefined && port === env.get('PORT')) {
  throw new Error('Invalid environment variable "METRICS_PORT": it must differ from PORT')
}

/**
 * Prometheus metrics (docs/metrics.md). Nothing is exposed unless asked
 * for: with METRICS_PORT, /metrics is answered on a listener of its own
 * (loopback by default); otherwise, with METRICS_TOKEN, on the API port.
 * A configured token is required wherever /metrics is answered.
 */
const metricsConfig = {
  /** Scrapers send it as `Authorization: Bearer <token>`. */
  token,
  /** A listener of its own for /metrics, bound to `host`. */
  port,
  host: env.get('METRICS_HOST', '127.0.0.1'),

  /** Whether GET /metrics on the API port answers (otherwise it is a 404 like any unknown path). */
  get onApiPort() {
    return this.port === undefined && this.token !== undefined
  },
}

export default metricsConfig
