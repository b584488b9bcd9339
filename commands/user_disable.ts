import { args, flags } from '@adonisjs/core/ace'
import AdminCommand from './_admin_command.js'

/**
 * Disables an account as PATCH /api/v1/admin/users/:id {disabled: true}
 * does: its browser sessions end, its API tokens are revoked, and with
 * --stop-environments its running environments are stopped.
 */
export default class UserDisable extends AdminCommand {
  static commandName = 'user:disable'
  static description = 'Disable an account (ends its sessions and tokens; --stop-environments)'

  @args.string({ description: 'Username' })
  declare username: string

  @flags.boolean({ description: "Also stop the account's running environments" })
  declare stopEnvironments?: boolean

  async run() {
    const { default: UserAdminService } = await import('#services/accounts/user_admin_service')
    const { default: EnvironmentProvisioner } =
      await import('#services/environments/environment_provisioner')
    const user = await this.findUser(this.username)
    const users = await this.app.container.make(UserAdminService)
    await users.update(
      this.operator,
      user.id,
      { disabled: true, stopEnvironments: this.stopEnvironments ?? false },
      this.origin
    )
    // The engine work runs in this process: it must end before the process does.
    await EnvironmentProvisioner.settle()
    this.logger.success(
      user.disabled
        ? `User "${user.username}" was already disabled`
        : `Disabled user "${user.username}": sessions ended, API tokens revoked`
    )
    if (this.stopEnvironments) {
      this.logger.info('Running environments stopped (see environments:list --user)')
    }
  }
}
