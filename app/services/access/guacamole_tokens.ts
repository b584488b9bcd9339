import logger from '@adonisjs/core/services/logger'
import accessConfig from '#config/access'
import type { GuacamoleCredentials } from '#services/access/access_broker'
import { observeCall } from '#services/metrics/outside_calls'

/**
 * Exchanges credentials for a Guacamole auth token server-side
 * (`POST <GUACAMOLE_API_URL>/api/tokens`), so no password reaches a URL.
 */
export default class GuacamoleTokens {
  /** The authToken, or null when Guacamole is unreachable or refuses (the caller falls back). */
  async exchange(credentials: GuacamoleCredentials): Promise<string | null> {
    const { apiUrl, timeoutMs } = accessConfig.guacamole
    if (!apiUrl) {
      return null
    }
    try {
      const response = await observeCall('guacamole_api', 'token_exchange', () =>
        fetch(`${apiUrl}/api/tokens`, {
          method: 'POST',
          body: new URLSearchParams(credentials),
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
        })
      )
      const body = (await response.json().catch(() => null)) as { authToken?: unknown } | null
      if (response.status === 200 && typeof body?.authToken === 'string' && body.authToken) {
        return body.authToken
      }
      logger.warn({ status: response.status }, 'Guacamole refused the token exchange')
    } catch (error) {
      logger.warn({ reason: (error as Error).name }, 'Guacamole token exchange failed')
    }
    return null
  }
}
