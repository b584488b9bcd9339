import { inject } from '@adonisjs/core'
import { errors as limiterErrors } from '@adonisjs/limiter'
import type User from '#models/user'
import oidcConfig from '#config/oidc'
import AuditService from '#services/audit_service'
import type RequestOrigin from '#services/request_origin'
import SignInCompletion from '#services/auth/sign_in_completion'
import ExternalAccountService from '#services/accounts/external_account_service'
import { federatedNamespace } from '#services/auth/saml/saml_identity_mapper'
import OidcClient, { type OidcChecks } from '#services/auth/oidc/oidc_client'
import OidcRequestStore from '#services/auth/oidc/oidc_request_store'
import OidcLoginThrottle from '#services/auth/oidc/oidc_login_throttle'
import { mapOidcClaims } from '#services/auth/oidc/oidc_identity_mapper'
import OidcRejectedException from '#exceptions/oidc_rejected_exception'
import OidcDisabledException from '#exceptions/oidc_disabled_exception'
import OidcSignInBusyException from '#exceptions/oidc_sign_in_busy_exception'
import { signIns } from '#services/metrics/portal_metrics'

/** The callback's query parameters the portal reads itself. */
export type OidcCallbackQuery = { state?: unknown; error?: unknown }

/**
 * Signs in the person an OpenID provider vouches for, with the same
 * account rules as SAML (ExternalAccountService): accounts keyed by issuer
 * and `sub`, usernames in the provider's namespace that never take a name
 * another account holds, the admin role re-evaluated from the claims at
 * every sign-in.
 */
@inject()
export default class OidcSignInService {
  constructor(
    protected oidc: OidcClient,
    protected requests: OidcRequestStore,
    protected throttle: OidcLoginThrottle,
    protected accounts: ExternalAccountService,
    protected audit: AuditService,
    protected completion: SignInCompletion
  ) {}

  /**
   * Starts a sign-in: the provider URL and the checks for the browser's
   * binding cookie. Throttled per client address (the limiter's 429) and
   * refused while OIDC_MAX_PENDING_SIGN_INS sign-ins are under way
   * (OidcSignInBusyException); neither stores anything.
   */
  async begin(returnTo: string, origin: RequestOrigin) {
    if (!this.oidc.enabled) {
      throw new OidcDisabledException()
    }
    try {
      await this.throttle.guard(origin.clientIp)
      if ((await this.requests.pending()) >= oidcConfig.maxPendingSignIns) {
        throw new OidcSignInBusyException()
      }
    } catch (error) {
      if (error instanceof limiterErrors.E_TOO_MANY_REQUESTS) {
        signIns.inc({ provider: 'oidc', outcome: 'throttled' })
      }
      throw error
    }
    const checks = this.oidc.newChecks()
    const url = await this.oidc.authorizationUrl(checks)
    await this.requests.save(checks.state, checks.nonce, returnTo)
    return { url, checks }
  }

  /**
   * Completes the sign-in the provider's answer (`rawQuery`, the callback's
   * query string) belongs to. `bound` are the sign-ins this browser started
   * (its binding cookie): an answer to any other is refused, and each is
   * answered once, by whichever process. Every refusal is audited.
   */
  async complete(
    query: OidcCallbackQuery,
    rawQuery: string,
    bound: OidcChecks[],
    origin: RequestOrigin
  ) {
    if (!this.oidc.enabled) {
      throw new OidcDisabledException()
    }
    let checks: OidcChecks
    let returnTo: string
    let claims: Record<string, unknown>
    let idToken: string
    try {
      checks = this.#boundChecks(query, bound)
      const taken = await this.requests.take(checks.state, checks.nonce)
      if (taken === null) {
        throw new OidcRejectedException('state unknown, expired or already used')
      }
      returnTo = taken
      if (typeof query.error === 'string') {
        throw new OidcRejectedException(`provider answered ${query.error.slice(0, 64)}`)
      }
      ;({ claims, idToken } = await this.oidc.exchange(rawQuery, checks))
      // Refuses a token without a usable sub before any account is touched.
      mapOidcClaims(oidcConfig.issuer, claims)
    } catch (error) {
      await this.#audit(null, 'failure', origin, {
        reason: (error as { code?: string }).code,
        detail: (error as { reason?: string }).reason,
      })
      throw error
    }
    const user = await this.signIn(claims, origin)
    return { user, returnTo, checks, idToken }
  }

  /** Signs in the person validated claims describe. */
  async signIn(claims: Record<string, unknown>, origin: RequestOrigin): Promise<User> {
    const identity = mapOidcClaims(oidcConfig.issuer, claims)
    const user = await this.accounts.findOrCreate(
      {
        provider: 'oidc',
        externalId: identity.persistentId,
        username: identity.username,
        federated: {
          fallbackUsername: identity.idDerivedUsername,
          namespace: federatedNamespace(oidcConfig.mapping.usernameScope),
        },
        email: identity.email,
        displayName: identity.displayName,
      },
      origin
    )
    return this.completion.complete(
      user,
      {
        action: 'auth.oidc',
        provider: 'oidc',
        details: { provider: 'oidc' },
        adminRole: { source: 'oidc', granted: identity.grantsAdmin },
      },
      origin
    )
  }

  /** The sign-in of this browser the answer's state names. */
  #boundChecks(query: OidcCallbackQuery, bound: OidcChecks[]) {
    const state = typeof query.state === 'string' ? query.state : ''
    const checks = bound.find((entry) => entry.state === state)
    if (!checks) {
      throw new OidcRejectedException(
        state ? 'state not started by this browser' : 'answer without state'
      )
    }
    return checks
  }

  #audit(
    user: User | null,
    outcome: 'success' | 'denied' | 'failure',
    origin: RequestOrigin,
    details: Record<string, unknown>
  ) {
    signIns.inc({ provider: 'oidc', outcome })
    return this.audit.record({
      actor: user,
      action: 'auth.oidc',
      outcome,
      origin,
      objectType: 'user',
      objectId: user?.id,
      details,
    })
  }
}
