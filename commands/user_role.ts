import { args, flags } from '@adonisjs/core/ace'
import AdminCommand from './_admin_command.js'
import type { Role } from '#models/role'

/**
 * Grants (--admin) or revokes (--no-admin) the admin role, through the
 * same role replacement as PATCH /api/v1/admin/users/:id {roles}: the
 * account keeps every other role, and a role its SAML IdP grants is the
 * IdP's to take away.
 */
export default class UserRole extends AdminCommand {
  static commandName = 'user:role'
  static description = 'Grant (--admin) or revoke (--no-admin) the admin role of an account'

  @args.string({ description: 'Username' })
  declare username: string

  @flags.boolean({
    description: 'Grant the admin role (--no-admin: revoke it)',
    showNegatedVariantInHelp: true,
  })
  declare admin?: boolean

  async run() {
    const { default: UserAdminService } = await import('#services/accounts/user_admin_service')
    if (this.admin === undefined) {
      this.logger.error('Give --admin to grant the admin role or --no-admin to revoke it')
      this.exitCode = 1
      return
    }
    const user = await this.findUser(this.username)
    await user.load('roleRows')
    const roles: Role[] = this.admin
      ? [...new Set<Role>([...user.roles, 'admin'])]
      : user.roles.filter((role) => role !== 'admin')

    const users = await this.app.container.make(UserAdminService)
    const updated = await users.update(this.operator, user.id, { roles }, this.origin)
    if (updated.isAdmin !== this.admin) {
      this.logger.error(
        `User "${user.username}" keeps the admin role: their identity provider grants it`
      )
      this.exitCode = 1
      return
    }
    const verb = user.isAdmin === updated.isAdmin ? 'unchanged' : 'now'
    this.logger.success(`Roles of "${user.username}" ${verb}: ${updated.roles.join(', ')}`)
  }
}
