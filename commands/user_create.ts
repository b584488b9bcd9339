import { BaseCommand, args, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
import vine from '@vinejs/vine'
import UserAccountService from '#services/accounts/user_account_service'
import RequestOrigin from '#services/request_origin'

const inputValidator = vine.create({
  username: vine.string().trim().minLength(1).maxLength(128),
  password: vine.string().minLength(12).maxLength(1024),
  email: vine.string().email().maxLength(254).optional(),
})

/**
 * Creates a local account (facility staff, service accounts).
 * The password is asked for interactively unless PORTAL_USER_PASSWORD-like
 * automation passes it with --password.
 */
export default class UserCreate extends BaseCommand {
  static commandName = 'user:create'
  static description = 'Create a local portal account (use --admin for an administrator)'
  static options: CommandOptions = { startApp: true }

  @args.string({ description: 'Username' })
  declare username: string

  @flags.boolean({ description: 'Grant the admin role' })
  declare admin: boolean

  @flags.string({ description: 'E-mail address' })
  declare email?: string

  @flags.string({ description: 'Display name' })
  declare name?: string

  @flags.string({ description: 'Password (prompted for when omitted; at least 12 characters)' })
  declare password?: string

  async run() {
    const password =
      this.password ?? (await this.prompt.secure('Password (at least 12 characters)'))
    const [error, input] = await inputValidator.tryValidate({
      username: this.username,
      password,
      email: this.email,
    })
    if (error) {
      for (const message of error.messages) {
        this.logger.error(`${message.field}: ${message.message}`)
      }
      this.exitCode = 1
      return
    }

    const accounts = await this.app.container.make(UserAccountService)
    const user = await accounts.createLocal(
      { ...input, displayName: this.name ?? null, roles: this.admin ? ['admin'] : [] },
      null,
      RequestOrigin.cli()
    )
    this.logger.success(
      `Created user "${user.username}" (id ${user.id}, roles: ${user.roles.join(', ')})`
    )
  }
}
