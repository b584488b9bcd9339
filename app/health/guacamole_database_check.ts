import { BaseCheck, Result } from '@adonisjs/core/health'
import app from '@adonisjs/core/services/app'
import accessConfig from '#config/access'
import healthConfig from '#config/health'
import GuacamoleDbBroker from '#services/access/guacamole_db_broker'

/**
 * Whether the portal can sign in to Guacamole's database and read the
 * tables the guacamole-db broker writes: a wrong password or a missing
 * table shows here, not first when someone opens an environment.
 */
export class GuacamoleDatabaseCheck extends BaseCheck {
  name = 'guacamole_db'

  async run() {
    const broker = await app.container.make(GuacamoleDbBroker)
    const timeoutMs = Math.min(accessConfig.guacamole.timeoutMs, healthConfig.probeTimeoutMs)
    let timer: NodeJS.Timeout | undefined
    // The driver's own connect timeout may be longer than a probe can wait.
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Guacamole's database did not answer within ${timeoutMs / 1000} s`)),
        timeoutMs
      )
    })
    try {
      await Promise.race([broker.ping(), late])
      return Result.ok("Guacamole's database answers with the schema the portal writes")
    } catch (error) {
      return Result.failed((error as Error).message)
    } finally {
      clearTimeout(timer)
    }
  }
}
