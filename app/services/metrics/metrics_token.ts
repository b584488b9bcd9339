import { createHash, timingSafeEqual } from 'node:crypto'
import metricsConfig from '#config/metrics'

function digest(value: string) {
  return createHash('sha256').update(value, 'utf8').digest()
}

/**
 * Whether a scrape may read /metrics: always when no token is configured
 * (the separate port only), else when it sends `Authorization: Bearer
 * <METRICS_TOKEN>`. Compared as digests in constant time, so neither the
 * token's content nor its length shows in the answer time.
 */
export function acceptsMetricsScrape(authorization: string | undefined) {
  if (!metricsConfig.token) {
    return true
  }
  const presented = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1] ?? ''
  return timingSafeEqual(digest(presented), digest(metricsConfig.token.release()))
}
