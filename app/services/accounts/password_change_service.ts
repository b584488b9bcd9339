import { rm } from 'node:fs/promises'
import { inject } from '@adonisjs/core'
import hash from '@adonisjs/core/services/hash'
import db from '@adonisjs/lucid/services/db'
import { errors as vineErrors } from '@vinejs/vine'
import User from '#models/user'
import portalConfig from '#config/portal'
import AuditService from '#services/audit_service'
import LoginThrottle from '#services/auth/login_throttle'
import type RequestOrigin from '#services/request_origin'
import { FIRST_ADMIN_PASSWORD_FILE } from '#services/accounts/first_admin_password'
import { forgetAccount } from '#models/verified_credentials'
import InvalidCredentialsException from '#exceptions/invalid_credentials_exception'
import NotFoundException from '#exceptions/not_found_exception'
import PasswordNotLocalException from '#exceptions/password_not_local_exception'

function invalid(field: string, message: string, rule: string) {
  return new vineErrors.E_VALIDATION_ERROR([{ field, message, rule }])
}

/**
 * Changes the password of a local account. A change ends every other way
 * into the account (OWASP ASVS 3.3.3: the other browser sessions and every
 * personal API token), since whoever knew the old password may have used
 * it to open them; the session making the change stays signed in.
 */
@inject()
export default class PasswordChangeService {
  constructor(
    protected audit: AuditService,
    protected throttle: LoginThrottle
  ) {}

  /**
   * The signed-in user changes their own password. The current password is
   * checked like a sign-in (counted by the same throttle: 429 once spent),
   * a wrong one is a 422 on `currentPassword`; the new one must differ from
   * it and from the username (422 on `newPassword`). Accounts whose
   * password the portal does not hold get 403 E_PASSWORD_NOT_LOCAL.
   * `keepSession` is the session making the change, which survives it.
   */
  async change(
    user: User,
    input: { currentPassword: string; newPassword: string },
    origin: RequestOrigin,
    keepSession: string | null
  ) {
    // Read here: the signed-in user is read without its password hash (app/models/session_users.ts).
    const stored = await User.query().where('id', user.id).select('provider', 'password').first()
    if (stored?.provider !== 'local' || !stored.password) {
      throw new PasswordNotLocalException()
    }
    const storedHash = stored.password
    try {
      await this.throttle.guard(user.username, origin.clientIp, null, async () => {
        if (!(await hash.verify(storedHash, input.currentPassword))) {
          throw new InvalidCredentialsException()
        }
      })
    } catch (error) {
      if (error instanceof InvalidCredentialsException) {
        await this.#audit(user, user, origin, 'failure', { reason: 'E_WRONG_CURRENT_PASSWORD' })
        throw invalid('currentPassword', 'The current password is not correct', 'currentPassword')
      }
      throw error
    }
    this.#checkNewPassword(user, input.newPassword, input.currentPassword)
    const ended = await this.#replace(user.id, input.newPassword, keepSession)
    await this.#audit(user, user, origin, 'success', ended)
  }

  /**
   * An operator sets a local account's password (`node ace user:password`):
   * no current password; every session and token of the account ends.
   */
  async reset(username: string, newPassword: string, origin: RequestOrigin) {
    const user = await User.query().where('username', username).first()
    if (!user) {
      throw new NotFoundException(`User "${username}" not found`)
    }
    if (user.provider !== 'local') {
      throw new PasswordNotLocalException()
    }
    this.#checkNewPassword(user, newPassword, null)
    const ended = await this.#replace(user.id, newPassword, null)
    await this.throttle.forgetAccount(user.username)
    await this.#audit(null, user, origin, 'success', ended)
    return user
  }

  #checkNewPassword(user: User, newPassword: string, currentPassword: string | null) {
    if (newPassword === currentPassword) {
      throw invalid('newPassword', 'The new password must differ from the current one', 'different')
    }
    if (newPassword.trim().toLowerCase() === user.username.toLowerCase()) {
      throw invalid('newPassword', 'The new password must not be the username', 'notUsername')
    }
  }

  /** Stores the new hash and ends the account's other sessions and all its tokens, at once. */
  async #replace(userId: number, newPassword: string, keepSession: string | null) {
    const ended = await db.transaction(async (trx) => {
      const user = await User.query({ client: trx }).where('id', userId).forUpdate().firstOrFail()
      user.password = newPassword
      await user.useTransaction(trx).save()
      const sessions = trx.from('sessions').where('user_id', String(userId))
      if (keepSession) {
        sessions.whereNot('id', keepSession)
      }
      const sessionsEnded = Number(await sessions.delete())
      const tokensRevoked = Number(
        await trx.from('auth_access_tokens').where('tokenable_id', userId).delete()
      )
      return { sessionsEnded, tokensRevoked, username: user.username }
    })
    forgetAccount(userId)
    // The bootstrap password is spent once its admin has chosen another.
    if (ended.username === portalConfig.bootstrapAdmin.username) {
      await rm(FIRST_ADMIN_PASSWORD_FILE(), { force: true })
    }
    return { sessionsEnded: ended.sessionsEnded, tokensRevoked: ended.tokensRevoked }
  }

  #audit(
    actor: User | null,
    user: User,
    origin: RequestOrigin,
    outcome: 'success' | 'failure',
    details: Record<string, unknown>
  ) {
    return this.audit.record({
      actor,
      action: 'user.password_change',
      outcome,
      origin,
      objectType: 'user',
      objectId: user.id,
      details,
    })
  }
}
