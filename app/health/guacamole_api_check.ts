import { BaseCheck, Result } from '@adonisjs/core/health'
import accessConfig from '#config/access'
import healthConfig from '#config/health'
import GuacamoleTokens from '#services/access/guacamole_tokens'

/**
 * Whether Guacamole's web application answers at GUACAMOLE_API_URL, which
 * the token exchange (and the JSON broker's users) need.
 */
export class GuacamoleApiCheck extends BaseCheck {
  name = 'guacamole_api'

  async run() {
    try {
      await new GuacamoleTokens().ping(
        Math.min(accessConfig.guacamole.timeoutMs, healthConfig.probeTimeoutMs)
      )
      return Result.ok('Guacamole answers')
    } catch (error) {
      return Result.failed((error as Error).message)
    }
  }
}
