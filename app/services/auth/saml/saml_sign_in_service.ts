import { createHash } from 'node:crypto'
import { inject } from '@adonisjs/core'
import { errors as limiterErrors } from '@adonisjs/limiter'
import type { Profile } from '@node-saml/passport-saml'
import type User from '#models/user'
import samlConfig from '#config/saml'
import AuditService from '#services/audit_service'
import type RequestOrigin from '#services/request_origin'
import UserOfficeClient from '#services/user_office/user_office_client'
import SignInCompletion from '#services/auth/sign_in_completion'
import ExternalAccountService from '#services/accounts/external_account_service'
import {
  federatedNamespace,
  mapSamlProfile,
  type FederatedIdentity,
} from '#services/auth/saml/saml_identity_mapper'
import NoFacilityAccountException from '#exceptions/no_facility_account_exception'
import SamlResponseRejectedException from '#exceptions/saml_response_rejected_exception'
import SamlServiceProvider from '#services/auth/saml/saml_service_provider'
import SamlLoginThrottle from '#services/auth/saml/saml_login_throttle'
import SamlRequestCache from '#services/auth/saml/saml_request_cache'
import SamlSignInBusyException from '#exceptions/saml_sign_in_busy_exception'
import { signIns } from '#services/metrics/portal_metrics'

/**
 * Signs in the person a validated SAML assertion names. The portal account
 * is found from the assertion alone — or, with SAML_RESOLVE_WITH_USER_OFFICE,
 * from the User Office's answer for the persistent id — never from
 * anything the browser sends.
 */
@inject()
export default class SamlSignInService {
  constructor(
    protected sp: SamlServiceProvider,
    protected accounts: ExternalAccountService,
    protected userOffice: UserOfficeClient,
    protected audit: AuditService,
    protected completion: SignInCompletion,
    protected throttle: SamlLoginThrottle,
    protected cache: SamlRequestCache
  ) {}

  /**
   * Starts a sign-in: the IdP URL with a signed AuthnRequest, and its id
   * for the browser's binding cookie. Throttled per client address (the
   * limiter's 429) and refused while SAML_MAX_PENDING_SIGN_INS sign-ins
   * are under way (SamlSignInBusyException); neither caches anything.
   */
  async begin(returnTo: string, origin: RequestOrigin) {
    try {
      await this.throttle.guard(origin.clientIp)
      if ((await this.cache.pendingRequests()) >= samlConfig.maxPendingSignIns) {
        throw new SamlSignInBusyException()
      }
    } catch (error) {
      if (error instanceof limiterErrors.E_TOO_MANY_REQUESTS) {
        signIns.inc({ provider: 'saml', outcome: 'throttled' })
      }
      throw error
    }
    return this.sp.loginUrl(returnTo)
  }

  /**
   * Validates the IdP's POSTed response and signs its subject in.
   * `boundRequestIds` are the sign-ins the posting browser started (its
   * binding cookie). Every refusal is audited with its reason.
   */
  async complete(body: Record<string, unknown>, boundRequestIds: string[], origin: RequestOrigin) {
    let consumed: Awaited<ReturnType<SamlServiceProvider['consumeResponse']>>
    try {
      consumed = await this.sp.consumeResponse(body, boundRequestIds)
    } catch (error) {
      await this.#audit(null, 'failure', origin, {
        reason: (error as { code?: string }).code,
        detail: error instanceof SamlResponseRejectedException ? error.reason : undefined,
      })
      throw error
    }
    const user = await this.signIn(consumed.profile, origin)
    return { user, ...consumed }
  }

  async signIn(profile: Profile, origin: RequestOrigin): Promise<User> {
    const identity = mapSamlProfile(profile)
    const user = await this.#account(identity, origin)

    return this.completion.complete(
      user,
      {
        action: 'auth.saml',
        provider: 'saml',
        details: { provider: 'saml', resolvedWithUserOffice: samlConfig.resolveWithUserOffice },
        adminRole: { source: 'saml', granted: identity.grantsAdmin },
      },
      origin
    )
  }

  async #account(identity: FederatedIdentity, origin: RequestOrigin) {
    if (!samlConfig.resolveWithUserOffice) {
      return this.accounts.findOrCreate(
        {
          provider: 'saml',
          externalId: identity.persistentId,
          username: identity.username,
          federated: {
            fallbackUsername: identity.idDerivedUsername,
            namespace: federatedNamespace(),
          },
          email: identity.email,
          displayName: identity.displayName,
        },
        origin
      )
    }
    const username = await this.userOffice.lookupIdentity(identity.persistentId)
    if (!username) {
      await this.#audit(null, 'denied', origin, {
        reason: NoFacilityAccountException.code,
        // A digest, not the identifier itself: enough to correlate with the IdP's logs.
        persistentIdDigest: createHash('sha256')
          .update(identity.persistentId)
          .digest('hex')
          .slice(0, 16),
      })
      throw new NoFacilityAccountException()
    }
    return this.accounts.findOrCreate(
      {
        provider: 'useroffice',
        externalId: username,
        username,
        email: identity.email,
        displayName: identity.displayName,
      },
      origin
    )
  }

  #audit(
    user: User | null,
    outcome: 'success' | 'denied' | 'failure',
    origin: RequestOrigin,
    details: Record<string, unknown>
  ) {
    signIns.inc({ provider: 'saml', outcome })
    return this.audit.record({
      actor: user,
      action: 'auth.saml',
      outcome,
      origin,
      objectType: 'user',
      objectId: user?.id,
      details,
    })
  }
}
