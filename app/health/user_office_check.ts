import { BaseCheck, Result } from '@adonisjs/core/health'
import app from '@adonisjs/core/services/app'
import healthConfig from '#config/health'
import userOfficeConfig from '#config/user_office'
import UserOfficeClient from '#services/user_office/user_office_client'

/**
 * Whether the facility User Office answers (only when it is enabled).
 * Sign-in of facility accounts and experiment sync need it.
 */
export class UserOfficeCheck extends BaseCheck {
  name = 'user_office'

  async run() {
    const client = await app.container.make(UserOfficeClient)
    try {
      await client.ping(Math.min(userOfficeConfig.timeoutMs, healthConfig.probeTimeoutMs))
      return Result.ok('The User Office answers')
    } catch (error) {
      return Result.failed((error as Error).message)
    }
  }
}
