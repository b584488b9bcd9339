import { args } from '@adonisjs/core/ace'
import AdminCommand from './_admin_command.js'

/** Removes a user's own limits: the site default applies again (DELETE /api/v1/admin/users/:id/quota). */
export default class QuotaReset extends AdminCommand {
  static commandName = 'quota:reset'
  static description = 'Give a user the site default quota again'

  @args.string({ description: 'Username' })
  declare username: string

  async run() {
    const { default: QuotaAdminService } =
      await import('#services/environments/quota_admin_service')
    const user = await this.findUser(this.username)
    const quotas = await this.app.container.make(QuotaAdminService)
    await quotas.resetUserQuota(this.operator, user.id, this.origin)
    this.logger.success(`"${user.username}" has the site default quota again`)
  }
}
