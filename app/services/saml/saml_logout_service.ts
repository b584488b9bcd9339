import { inject } from '@adonisjs/core'
import type User from '#models/user'
import portalConfig from '#config/portal'
import AuditService from '#services/audit_service'
import type RequestOrigin from '#services/request_origin'
import SamlServiceProvider, { type SamlSessionInfo } from '#services/saml/saml_service_provider'
import SamlResponseRejectedException from '#exceptions/saml_response_rejected_exception'

export type SloOutcome = {
  /** Where to send the browser next. */
  redirectTo: string
  /** The IdP asked to end this browser's portal session. */
  endLocalSession: boolean
}

/**
 * Single logout with the IdP over the HTTP-Redirect binding (the POST
 * binding trips a known node-saml InResponseTo bug). Unsigned logout
 * messages are refused: node-saml would accept them.
 */
@inject()
export default class SamlLogoutService {
  constructor(
    protected sp: SamlServiceProvider,
    protected audit: AuditService
  ) {}

  /** The IdP URL that ends the IdP session, or null when the IdP has no SLO. */
  async begin(session: SamlSessionInfo | null | undefined) {
    if (!session || !this.sp.singleLogout) {
      return null
    }
    return this.sp.logoutUrl(session, `${portalConfig.returnOrigins[0]}/`)
  }

  /**
   * Handles what the IdP sent to /saml/slo: the answer to our own
   * LogoutRequest (back to the frontend), or its own LogoutRequest (end
   * the local session when it names this session's subject, then answer).
   */
  async handleIdpRedirect(
    query: Record<string, string>,
    rawQuery: string,
    current: { user: User | undefined; saml: SamlSessionInfo | undefined },
    origin: RequestOrigin
  ): Promise<SloOutcome> {
    if (!query.Signature || !query.SigAlg) {
      throw new SamlResponseRejectedException('unsigned logout message')
    }
    if (/sha1$/i.test(query.SigAlg)) {
      throw new SamlResponseRejectedException('SHA-1 signed logout message')
    }
    const result = await this.sp.consumeLogoutRedirect(query, rawQuery)

    if (query.SAMLResponse) {
      const returnTo = await this.sp.returnToFor(query.RelayState)
      return { redirectTo: returnTo ?? `${portalConfig.returnOrigins[0]}/`, endLocalSession: false }
    }

    const request = result.profile
    if (!request) {
      throw new SamlResponseRejectedException('logout request without subject')
    }
    const endLocalSession = Boolean(current.saml && current.saml.nameID === request.nameID)
    if (endLocalSession) {
      await this.audit.record({
        actor: current.user ?? null,
        action: 'auth.logout',
        outcome: 'success',
        origin,
        objectType: 'user',
        objectId: current.user?.id,
        details: { initiatedBy: 'idp' },
      })
    }
    const redirectTo = await this.sp.logoutResponseUrl(request, query.RelayState ?? '')
    return { redirectTo, endLocalSession }
  }
}
