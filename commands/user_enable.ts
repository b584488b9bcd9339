import { args } from '@adonisjs/core/ace'
import AdminCommand from './_admin_command.js'

/** Enables a disabled account again, as PATCH /api/v1/admin/users/:id {disabled: false} does. */
export default class UserEnable extends AdminCommand {
  static commandName = 'user:enable'
  static description = 'Enable a disabled account again'

  @args.string({ description: 'Username' })
  declare username: string

  async run() {
    const { default: UserAdminService } = await import('#services/accounts/user_admin_service')
    const user = await this.findUser(this.username)
    const users = await this.app.container.make(UserAdminService)
    await users.update(this.operator, user.id, { disabled: false }, this.origin)
    this.logger.success(
      user.disabled
        ? `Enabled user "${user.username}"`
        : `User "${user.username}" was already enabled`
    )
  }
}
