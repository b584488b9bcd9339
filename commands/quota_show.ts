import { args, flags } from '@adonisjs/core/ace'
import AdminCommand from './_admin_command.js'
import { quotaTexts } from './_resource_text.js'

/**
 * Shows the site default quota, or one user's limits, usage and what is
 * left (GET /api/v1/admin/quota-default, GET /api/v1/admin/users/:id/quota).
 */
export default class QuotaShow extends AdminCommand {
  static commandName = 'quota:show'
  static description = "Show the default quota, or a user's limits, usage and what is left"

  @args.string({ description: 'Username (the site default when omitted)', required: false })
  declare username?: string

  @flags.boolean({ description: 'Print the JSON the API returns ({"data": {...}})' })
  declare json?: boolean

  async run() {
    const { default: QuotaAdminService } =
      await import('#services/environments/quota_admin_service')
    const quotas = await this.app.container.make(QuotaAdminService)
    if (this.username === undefined) {
      const limits = await quotas.siteDefault()
      if (this.json) {
        return this.printJson({ data: limits })
      }
      const table = this.ui.table()
      table.head(['default', 'limit'])
      for (const [name, limit] of Object.entries(quotaTexts(limits))) {
        table.row([name, limit])
      }
      table.render()
      return
    }

    const user = await this.findUser(this.username)
    const summary = await quotas.userSummary(user.id)
    if (this.json) {
      return this.printJson({ data: summary })
    }
    const limits = quotaTexts(summary.limits)
    const usage = quotaTexts(summary.usage)
    const available = quotaTexts(summary.available)
    const table = this.ui.table()
    table.head([user.username, 'limit', 'in use', 'available'])
    for (const name of Object.keys(limits) as (keyof typeof limits)[]) {
      table.row([name, limits[name], usage[name], available[name]])
    }
    table.render()
    this.logger.info(summary.custom ? 'Limits of their own' : 'The site default applies')
  }
}
