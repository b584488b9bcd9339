import { createServer, type Server } from 'node:http'
import { once } from 'node:events'
import logger from '@adonisjs/core/services/logger'
import { metricsRegistry } from '#services/metrics/portal_metrics'
import { acceptsMetricsScrape } from '#services/metrics/metrics_token'

/**
 * The listener of METRICS_PORT: answers `GET /metrics` and nothing else,
 * outside the API (no sessions, CORS or API routes on this port), so the
 * scrape port can be firewalled apart from the public one.
 */
export default class MetricsServer {
  #server: Server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0]
    if (path !== '/metrics' || !['GET', 'HEAD'].includes(request.method ?? '')) {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found\n')
      return
    }
    if (!acceptsMetricsScrape(request.headers.authorization)) {
      response
        .writeHead(401, { 'Content-Type': 'text/plain', 'WWW-Authenticate': 'Bearer' })
        .end('Unauthorized\n')
      return
    }
    metricsRegistry.metrics().then(
      (text) => {
        response.writeHead(200, { 'Content-Type': metricsRegistry.contentType })
        response.end(request.method === 'HEAD' ? undefined : text)
      },
      (error) => {
        logger.error({ err: error }, 'metrics: scrape failed')
        response.writeHead(500, { 'Content-Type': 'text/plain' }).end('Scrape failed\n')
      }
    )
  })

  /** Starts listening; rejects when the address cannot be bound (the server must not boot half-configured). */
  async listen(host: string, port: number) {
    this.#server.listen(port, host)
    // once() rejects when "error" (EADDRINUSE, EACCES) comes first.
    await once(this.#server, 'listening')
  }

  async close() {
    if (this.#server.listening) {
      const closed = once(this.#server, 'close')
      this.#server.close()
      this.#server.closeAllConnections()
      await closed
    }
  }
}
