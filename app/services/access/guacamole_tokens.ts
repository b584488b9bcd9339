import logger from '@adonisjs/core/services/logger'
import accessConfig from '#config/access'
import type { GuacamoleCredentials } from '#services/access/access_broker'
import { observeCall } from '#services/metrics/outside_calls'

/**
 * Exchanges credentials for a Guacamole auth token server-side
 * (`POST <GUACAMOLE_API_URL>/api/tokens`), so no password reaches a URL.
 */
export default class GuacamoleTokens {
  /**
   * Readiness: Guacamole's web application answers its public language
   * list (`GET <GUACAMOLE_API_URL>/api/languages`, what its login page
   * loads first) with a JSON object. Throws an Error saying what is wrong.
   */
  async ping(timeoutMs = accessConfig.guacamole.timeoutMs) {
    const { apiUrl } = accessConfig.guacamole
    if (!apiUrl) {
      throw new Error('GUACAMOLE_API_URL (or GUACAMOLE_URL) is not set')
    }
    await observeCall('guacamole_api', 'ping', async () => {
      let response: Response
      try {
        response = await fetch(`${apiUrl}/api/languages`, {
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
        })
      } catch (error) {
        const { name, cause } = error as Error & { cause?: { code?: string } }
        throw new Error(
          name === 'TimeoutError'
            ? `Guacamole did not answer within ${timeoutMs / 1000} s`
            : `Guacamole cannot be reached (${cause?.code ?? name})`
        )
      }
      const body = await response.json().catch(() => null)
      if (response.status !== 200 || typeof body !== 'object' || body === null) {
        throw new Error(
          `Guacamole answers ${response.status} at /api/languages: is GUACAMOLE_API_URL the web application's base URL?`
        )
      }
    })
  }

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
