import { DateTime } from 'luxon'
import { inject } from '@adonisjs/core'
import db from '@adonisjs/lucid/services/db'
import type User from '#models/user'
import UserRole, { type RoleSource } from '#models/user_role'
import AuditService from '#services/audit_service'
import AccessTokenService from '#services/accounts/access_token_service'
import ExperimentCatalogService from '#services/experiments/experiment_catalog_service'
import type RequestOrigin from '#services/request_origin'
import { forgetAccount } from '#models/verified_credentials'
import AccountDisabledException from '#exceptions/account_disabled_exception'
import { signIns } from '#services/metrics/portal_metrics'

export type SignInOutcome = {
  /** The audit action: `auth.login`, `auth.saml`, `auth.oidc`. */
  action: string
  /** The `provider` label of portal_sign_ins_total. */
  provider: string
  /** Extra details of the success audit event. */
  details: Record<string, unknown>
  /**
   * An identity provider that is authoritative for the admin role it grants:
   * whether this assertion grants it, and the role source it is stored under.
   */
  adminRole?: { source: RoleSource; granted: boolean }
}

/**
 * The step every sign-in ends with, whatever checked the person (password,
 * SAML, OpenID Connect): a disabled account is refused, the identity
 * provider's admin role applied, the last login noted, roles loaded,
 * experiments synced, and the outcome counted and audited.
 */
@inject()
export default class SignInCompletion {
  constructor(
    protected audit: AuditService,
    protected tokens: AccessTokenService,
    protected experiments: ExperimentCatalogService
  ) {}

  async complete(user: User, outcome: SignInOutcome, origin: RequestOrigin): Promise<User> {
    if (user.disabled) {
      signIns.inc({ provider: outcome.provider, outcome: 'denied' })
      await this.#record(user, outcome.action, 'denied', origin, {
        reason: AccountDisabledException.code,
      })
      throw new AccountDisabledException()
    }
    if (outcome.adminRole) {
      await this.#syncAdminRole(user, outcome.adminRole.source, outcome.adminRole.granted)
    }
    user.lastLoginAt = DateTime.utc()
    await user.save()
    // The IdP's admin role and the profile may have changed with this sign-in.
    forgetAccount(user.id)
    await user.load('roleRows')
    await this.experiments.syncQuietly(user)
    signIns.inc({ provider: outcome.provider, outcome: 'success' })
    await this.#record(user, outcome.action, 'success', origin, outcome.details)
    return user
  }

  /**
   * The provider's assertion is authoritative for the admin role it grants:
   * granted while it says so, withdrawn when it stops — with the
   * admin-scoped tokens made under it, so that they do not come back to
   * life when the role is granted again. An admin role from another source
   * (by hand, another provider) is left alone.
   */
  async #syncAdminRole(user: User, source: RoleSource, granted: boolean) {
    const current = await UserRole.query().where('user_id', user.id).where('role', 'admin').first()
    if (granted && !current) {
      await UserRole.create({ userId: user.id, role: 'admin', source })
    } else if (!granted && current?.source === source) {
      await db.transaction(async (trx) => {
        await current.useTransaction(trx).delete()
        await this.tokens.revokeAdminScoped(user.id, trx)
      })
      forgetAccount(user.id)
    }
  }

  #record(
    user: User,
    action: string,
    outcome: 'success' | 'denied',
    origin: RequestOrigin,
    details: Record<string, unknown>
  ) {
    return this.audit.record({
      actor: user,
      action,
      outcome,
      origin,
      objectType: 'user',
      objectId: user.id,
      details,
    })
  }
}
