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

    const { default: UserAccountService } = await import('#services/user_account_service')
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
        // Printed once, outside the structured log, for the operator at the console.
        process.stderr.write(
          `\nFirst admin account: username "${portalConfig.bootstrapAdmin.username}", password "${result.generatedPassword}"\n` +
            'Change it after signing in, or set PORTAL_ADMIN_PASSWORD before the first start.\n\n'
        )
      }
    }
  }
}
