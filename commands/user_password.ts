import { text } from 'node:stream/consumers'
import { BaseCommand, args } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
import PasswordChangeService from '#services/accounts/password_change_service'
import RequestOrigin from '#services/request_origin'
import { newPasswordRule } from '#validators/auth'
import vine from '@vinejs/vine'

const passwordValidator = vine.create({ password: newPasswordRule() })

/**
 * Sets a local account's password (a forgotten one, or the first admin's).
 * The password is read from standard input when it is not a terminal
 * (`… < file`, a pipe), otherwise asked for twice; never from the command
 * line, which other users of the host can read in the process list. Every
 * session and API token of the account ends.
 */
export default class UserPassword extends BaseCommand {
  static commandName = 'user:password'
  static description =
    'Set the password of a local account (read from standard input or asked for; never an argument)'
  static options: CommandOptions = { startApp: true }

  @args.string({ description: 'Username' })
  declare username: string

  async run() {
    const password = await this.#readPassword()
    if (password === null) {
      this.exitCode = 1
      return
    }
    const [error] = await passwordValidator.tryValidate({ password })
    if (error) {
      for (const message of error.messages) {
        this.logger.error(`password: ${message.message}`)
      }
      this.exitCode = 1
      return
    }
    const passwords = await this.app.container.make(PasswordChangeService)
    try {
      await passwords.reset(this.username, password, RequestOrigin.cli())
    } catch (failure) {
      const { code, message } = failure as { code?: string; message: string }
      this.logger.error(code ? `${message} (${code})` : message)
      this.exitCode = 1
      return
    }
    this.logger.success(
      `Password of "${this.username}" changed; its sessions and API tokens were ended`
    )
  }

  /** One line from a pipe, or the same password typed twice at a terminal. */
  async #readPassword(): Promise<string | null> {
    if (!process.stdin.isTTY) {
      const input = await text(process.stdin)
      return input.replace(/\r?\n$/, '')
    }
    const first = await this.prompt.secure('New password (at least 12 characters)')
    const again = await this.prompt.secure('The same password again')
    if (first !== again) {
      this.logger.error('The two passwords differ')
      return null
    }
    return first
  }
}
