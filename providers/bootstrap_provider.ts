import type { ApplicationService } from '@adonisjs/core/types'
import { MigrationRunner } from '@adonisjs/lucid/migration'
import { migrateOnStart } from '#config/database'
import portalConfig from '#config/portal'

/**
 * Prepares a fresh installation before the HTTP server listens: migrates
 * the schema when configured to (the embedded SQLite default), then makes
 * sure an admin account exists.
 */
export default class BootstrapProvider {
  constructor(protected app: ApplicationService) {}

  async start() {
    const db = await this.app.container.make('lucid.db')
    const logger = await this.app.container.make('logger')

    if (migrateOnStart) {
      const migrator = new MigrationRunner(db, this.app, {
        direction: 'up',
        dryRun: false,
      })
      await migrator.run()
      if (migrator.error) {
        throw migrator.error
      }
      const applied = Object.keys(migrator.migratedFiles).length
      logger.info({ applied }, 'database schema is up to date')
    }

    const { default: UserAccountService } = await import('#services/accounts/user_account_service')
    const accounts = await this.app.container.make(UserAccountService)
    let result: Awaited<ReturnType<typeof accounts.bootstrapAdmin>>
    try {
      result = await accounts.bootstrapAdmin(portalConfig.bootstrapAdmin)
    } catch (error) {
      // An unreachable MySQL must not crash-loop the server: it starts, reports
      // not ready, answers 503, and the admin check runs again at the next start.
      logger.error({ err: error }, 'could not check for an admin account; is the database up?')
      return
    }
    if (result.created) {
      logger.info(
        { username: portalConfig.bootstrapAdmin.username },
        'created the first admin account'
      )
      if (result.generatedPassword) {
        // Never in the log stream: a file only the portal's user can read.
        const { writeFirstAdminPassword } = await import('#services/accounts/first_admin_password')
        try {
          const file = await writeFirstAdminPassword(
            portalConfig.bootstrapAdmin.username,
            result.generatedPassword
          )
          logger.warn(
            { file },
            'the first admin password was generated and written to this file (mode 0600): sign in, change it, delete the file'
          )
        } catch (error) {
          logger.error(
            { err: error },
            'could not write the generated first admin password to DATA_DIR; set it with "node ace user:password" (or set PORTAL_ADMIN_PASSWORD before the first start)'
          )
        }
      }
    }
  }
}
