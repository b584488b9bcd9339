import { inject } from '@adonisjs/core'
import User from '#models/user'
import portalConfig from '#config/portal'
import AuditService from '#services/audit_service'
import type RequestOrigin from '#services/request_origin'
import SamlServiceProvider from '#services/auth/saml/saml_service_provider'
import type { SamlBinding } from '#services/auth/saml/saml_logout_message'
import SamlSessionRegistry, {
  type SamlSessionInfo,
} from '#services/auth/saml/saml_session_registry'
import SamlResponseRejectedException from '#exceptions/saml_response_rejected_exception'

export type SloOutcome = {
  /** Where to send the browser next. */
  redirectTo: string
  /** The IdP asked to end this browser's portal session. */
  endLocalSession: boolean
}

/** The browser's own portal session, when its cookie came along. */
export type CurrentSession = {
  sessionId: string
  user: User | undefined
  saml: SamlSessionInfo | undefined
}

/**
 * Single logout with the IdP. The portal starts it over the HTTP-Redirect
 * binding and accepts the IdP's LogoutRequests and LogoutResponses over
 * HTTP-Redirect and HTTP-POST (see SamlServiceProvider.consumeLogout for
 * the checks; unsigned, SHA-1, replayed and wrongly signed messages are
 * refused and audited).
 */
@inject()
export default class SamlLogoutService {
  constructor(
    protected sp: SamlServiceProvider,
    protected sessions: SamlSessionRegistry,
    protected audit: AuditService
  ) {}

  /** Remembers which SAML sign-in opened portal session `sessionId` (for IdP-initiated logout). */
  track(sessionId: string, info: SamlSessionInfo) {
    return this.sessions.remember(sessionId, info)
  }

  /**
   * The portal session is ending at the portal: the IdP URL that ends the
   * IdP session too, or null when the IdP has no single logout.
   */
  async begin(sessionId: string, session: SamlSessionInfo | null | undefined) {
    if (!session) {
      return null
    }
    await this.sessions.forget(sessionId, session)
    if (!this.sp.singleLogout) {
      return null
    }
    return this.sp.logoutUrl(session, portalConfig.landingUrl)
  }

  /**
   * Handles what the IdP sent to /saml/slo: the answer to our own
   * LogoutRequest (on to where the sign-out wanted to land), or its own
   * LogoutRequest (end the portal sessions of that subject and IdP
   * session, whichever browser holds them, then answer the IdP).
   */
  async handleIdpMessage(
    binding: SamlBinding,
    input: Record<string, unknown>,
    rawQuery: string,
    current: CurrentSession,
    origin: RequestOrigin
  ): Promise<SloOutcome> {
    let consumed: Awaited<ReturnType<SamlServiceProvider['consumeLogout']>>
    try {
      consumed = await this.sp.consumeLogout(binding, input, rawQuery)
    } catch (error) {
      if (error instanceof SamlResponseRejectedException) {
        await this.audit.record({
          actor: current.user ?? null,
          action: 'auth.logout',
          outcome: 'failure',
          origin,
          details: { initiatedBy: 'idp', binding, reason: error.code, detail: error.reason },
        })
      }
      throw error
    }

    if (consumed.kind === 'response') {
      return { redirectTo: consumed.returnTo ?? portalConfig.landingUrl, endLocalSession: false }
    }

    const { request } = consumed
    const ended = await this.sessions.end(request.nameID, request.sessionIndex)
    // Sessions from before the registry existed are still recognised by their cookie.
    const endLocalSession =
      ended.some((session) => session.sessionId === current.sessionId) ||
      (current.saml?.nameID === request.nameID &&
        (!request.sessionIndex || current.saml.sessionIndex === request.sessionIndex))
    const userIds = new Set(ended.map((session) => session.userId))
    if (endLocalSession && current.user) {
      userIds.add(current.user.id)
    }
    for (const userId of userIds) {
      const user = userId === null ? null : await User.find(userId)
      await this.audit.recordLogout(user, origin, { initiatedBy: 'idp', binding })
    }
    const redirectTo = await this.sp.logoutResponseUrl(request, consumed.relayState ?? '')
    return { redirectTo, endLocalSession }
  }
}
