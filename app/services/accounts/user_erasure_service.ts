import { createHmac } from 'node:crypto'
import { inject } from '@adonisjs/core'
import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type User from '#models/user'
import AuditEvent from '#models/audit_event'
import ExperimentMember from '#models/experiment_member'
import UserRole from '#models/user_role'
import { appKey } from '#config/app'
import AuditService from '#services/audit_service'
import { usernameDigest } from '#services/auth/username_digest'
import type RequestOrigin from '#services/request_origin'
import EnvironmentService from '#services/environments/environment_service'
import UserAdminService from '#services/accounts/user_admin_service'
import LoginThrottle from '#services/auth/login_throttle'
import { forgetAccount } from '#models/verified_credentials'
import ConflictException from '#exceptions/conflict_exception'

/**
 * The stable opaque name an erased account keeps: the same user id always
 * gives the same pseudonym, and without the app key nobody can tell whose.
 */
export function pseudonymOf(userId: number) {
  const digest = createHmac('sha256', appKey.release()).update(`user:${userId}`).digest('hex')
  return `erased-${digest.slice(0, 16)}`
}

/** Replaces every occurrence of the personal values in the strings of `value`, at any depth. */
function scrub(value: unknown, personal: string[], pseudonym: string): unknown {
  if (typeof value === 'string') {
    return personal.reduce((text, item) => text.split(item).join(pseudonym), value)
  }
  if (Array.isArray(value)) {
    return value.map((item) => scrub(item, personal, pseudonym))
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, scrub(item, personal, pseudonym)])
    )
  }
  return value
}

/**
 * GDPR erasure of an account: its environments go, its personal data is
 * replaced by a pseudonym everywhere the portal's database holds it, and
 * the row stays (disabled) so the audit trail still points at someone.
 */
@inject()
export default class UserErasureService {
  constructor(
    protected users: UserAdminService,
    protected environments: EnvironmentService,
    protected throttle: LoginThrottle,
    protected audit: AuditService
  ) {}

  /**
   * Erases the account (disabled, sessions and tokens gone) and
   * pseudonymises the audit trail, then removes the user's environments
   * through the engine (not waited for). An admin
   * cannot erase themselves (409). Audits `user.erase`. Returns the pseudonym.
   * `admin` is null for an operator's ace command.
   */
  async erase(admin: User | null, userId: number, origin: RequestOrigin) {
    if (userId === admin?.id) {
      throw new ConflictException('You cannot erase your own account')
    }
    const user = await this.users.find(userId)
    const pseudonym = pseudonymOf(user.id)
    // Longest first, so an email containing the username is replaced whole.
    // The username's digest too: failed sign-ins record it instead of the text.
    const personal = [user.username, usernameDigest(user.username), user.email, user.displayName]
      .filter((item): item is string => Boolean(item) && item !== pseudonym)
      .sort((a, b) => b.length - a.length)

    await db.transaction(async (trx) => {
      await trx.from('users').where('id', user.id).update({
        username: pseudonym,
        email: null,
        display_name: null,
        external_id: null,
        password: null,
        disabled: true,
        last_login_at: null,
        updated_at: new Date(),
      })
      await UserRole.query({ client: trx }).where('user_id', user.id).delete()
      await ExperimentMember.query({ client: trx }).where('user_id', user.id).delete()
      // Notifications name their environments; e-mails in the outbox hold the address.
      await trx
        .from('mail_outbox')
        .whereIn(
          'notification_id',
          trx.from('notifications').where('user_id', user.id).select('id')
        )
        .delete()
      if (user.email) {
        await trx.from('mail_outbox').where('recipient', user.email).delete()
      }
      await trx.from('notifications').where('user_id', user.id).delete()
      await this.users.endAccess(trx, user.id)
      await this.scrubAuditTrail(trx, user.id, personal, pseudonym)
    })
    forgetAccount(user.id)

    // After the account is disabled and its sessions gone, so no new environment can follow.
    const removed = await this.environments.disposeAllOf(admin, user, origin)
    // The shared throttle keys failed sign-ins by username.
    await this.throttle.forgetAccount(user.username)

    await this.audit.record({
      actor: admin,
      action: 'user.erase',
      outcome: 'success',
      origin,
      objectType: 'user',
      objectId: user.id,
      details: { username: pseudonym, removedEnvironments: removed },
    })
    return pseudonym
  }

  /**
   * Events the user acted in get the pseudonym as actor name; any event
   * whose details mention their username, email or name gets them replaced.
   */
  protected async scrubAuditTrail(
    trx: TransactionClientContract,
    userId: number,
    personal: string[],
    pseudonym: string
  ) {
    await trx.from('audit_events').where('actor_id', userId).update({ actor_name: pseudonym })
    if (personal.length === 0) {
      return
    }
    await trx.from('audit_events').whereIn('actor_name', personal).update({ actor_name: pseudonym })
    const events = await AuditEvent.query({ client: trx }).where((query) => {
      for (const item of personal) {
        query.orWhere('details', 'like', `%${item.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)
      }
    })
    for (const event of events) {
      event.details = scrub(event.details, personal, pseudonym) as Record<string, unknown> | null
      await event.useTransaction(trx).save()
    }
  }
}
