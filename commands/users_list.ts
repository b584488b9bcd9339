import { flags } from '@adonisjs/core/ace'
import AdminCommand from './_admin_command.js'
import UserTransformer from '#transformers/user_transformer'
import { adminUserListValidator } from '#validators/admin_user'
import { MAX_PER_PAGE } from '#validators/pagination'

/**
 * Lists accounts with the filters of GET /api/v1/admin/users, every page,
 * as a table or as the endpoint's JSON.
 */
export default class UsersList extends AdminCommand {
  static commandName = 'users:list'
  static description = 'List portal accounts (search, role, provider, disabled; --json for scripts)'

  @flags.string({ description: 'Text in the username, e-mail or display name' })
  declare search?: string

  @flags.string({ description: 'Only holders of this role: scientist or admin' })
  declare role?: string

  @flags.string({ description: 'Only accounts of this provider: local, useroffice or saml' })
  declare provider?: string

  @flags.boolean({
    description: 'Only disabled accounts (--no-disabled: only enabled ones)',
    showNegatedVariantInHelp: true,
  })
  declare disabled?: boolean

  @flags.boolean({ description: 'Print the JSON the API returns ({"data": [...]})' })
  declare json?: boolean

  async run() {
    const { default: UserAdminService } = await import('#services/accounts/user_admin_service')
    const filters = await adminUserListValidator.validate({
      search: this.search,
      role: this.role,
      provider: this.provider,
      disabled: this.disabled === undefined ? undefined : String(this.disabled),
    })
    const users = await this.app.container.make(UserAdminService)
    const accounts = await this.everyPage((page) =>
      users.list({ ...filters, page, perPage: MAX_PER_PAGE })
    )

    if (this.json) {
      return this.printJson(await this.serialize(UserTransformer.transform(accounts)))
    }
    if (accounts.length === 0) {
      this.logger.info('No account matches')
      return
    }
    const table = this.ui.table()
    table.head(['id', 'username', 'provider', 'roles', 'disabled', 'email', 'last sign-in'])
    for (const account of accounts) {
      table.row([
        String(account.id),
        account.username,
        account.provider,
        account.roles.join(','),
        account.disabled ? 'yes' : 'no',
        account.email ?? '',
        account.lastLoginAt?.toUTC().toISO({ suppressMilliseconds: true }) ?? '',
      ])
    }
    table.render()
  }
}
