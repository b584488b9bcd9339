import { DateTime } from 'luxon'
import encryption from '@adonisjs/core/services/encryption'
import type Environment from '#models/environment'
import notificationsConfig from '#config/notifications'
import type { ActivitySource } from '#services/activity/activity_source'
import { observeCall } from '#services/metrics/outside_calls'

/**
 * The activity a web application reports about itself. Jupyter (Notebook,
 * Server, Lab) answers `GET /api/status` with `last_activity` (ISO 8601),
 * which covers kernels and browser traffic; images that take the
 * environment's secret as their token (WEB_TOKEN_PARAM) are asked with
 * `Authorization: token <secret>`. Applications that answer anything else
 * (or nothing within ACTIVITY_PROBE_TIMEOUT) are left to the other sources.
 */
export default class WebApplicationSource implements ActivitySource {
  readonly name = 'web_application'

  async lastActivity(environments: Environment[]) {
    const found = new Map<number, DateTime>()
    const web = environments.filter(
      (environment) =>
        environment.image?.protocol === 'http' &&
        environment.endpointHost &&
        environment.endpointPort
    )
    await Promise.all(
      web.map(async (environment) => {
        const seen = await this.#probe(environment).catch(() => null)
        if (seen) {
          found.set(environment.id, seen)
        }
      })
    )
    return found
  }

  async #probe(environment: Environment) {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (environment.image.environment.WEB_TOKEN_PARAM) {
      headers.authorization = `token ${encryption.decrypt<string>(environment.secret)}`
    }
    const url = `http://${environment.endpointHost}:${environment.endpointPort}/api/status`
    const response = await observeCall('web_application', 'status', () =>
      fetch(url, {
        headers,
        redirect: 'manual',
        signal: AbortSignal.timeout(notificationsConfig.activityProbeTimeoutMs),
      })
    )
    if (!response.ok) {
      await response.body?.cancel()
      return null
    }
    const status = (await response.json().catch(() => null)) as { last_activity?: unknown } | null
    if (typeof status?.last_activity !== 'string') {
      return null
    }
    const seen = DateTime.fromISO(status.last_activity, { zone: 'utc' })
    // A clock ahead of ours cannot make an environment look busy in the future.
    return seen.isValid ? DateTime.min(seen, DateTime.utc()) : null
  }
}
