import { args, flags } from '@adonisjs/core/ace'
import AdminCommand from './_admin_command.js'

/**
 * GDPR erasure, as DELETE /api/v1/admin/users/:id: the account's
 * environments are removed and its personal data replaced by a pseudonym
 * everywhere, the audit trail included. Cannot be undone, hence --force.
 */
export default class UserErase extends AdminCommand {
  static commandName = 'user:erase'
  static description = "Erase an account's personal data (GDPR); needs --force, cannot be undone"

  @args.string({ description: 'Username' })
  declare username: string

  @flags.boolean({ description: 'Confirm the erasure' })
  declare force?: boolean

  async run() {
    const { default: UserErasureService } = await import('#services/accounts/user_erasure_service')
    const { default: EnvironmentProvisioner } =
      await import('#services/environments/environment_provisioner')
    const user = await this.findUser(this.username)
    if (!this.force) {
      this.logger.error(
        `Refusing to erase "${user.username}" without --force: erasure cannot be undone`
      )
      this.exitCode = 1
      return
    }
    const erasure = await this.app.container.make(UserErasureService)
    const pseudonym = await erasure.erase(this.operator, user.id, this.origin)
    // The environments' removal runs in this process: it must end before the process does.
    await EnvironmentProvisioner.settle()
    this.logger.success(`Erased user ${user.id}; the account is now "${pseudonym}"`)
  }
}
