import { inject } from '@adonisjs/core'
import User from '#models/user'
import AuditService from '#services/audit_service'
import type RequestOrigin from '#services/request_origin'
import SamlLogoutService from '#services/auth/saml/saml_logout_service'
import OidcClient from '#services/auth/oidc/oidc_client'
import type { OidcSessionState } from '#services/auth/oidc/oidc_session_state'

/** What a browser session knows of how it was signed in. */
export type BrowserSignIn = {
  sessionId: string
  saml?: Parameters<SamlLogoutService['begin']>[1]
  oidc?: OidcSessionState
}

/**
 * Signing out, whatever signed the person in: a script's bearer token is
 * revoked; a browser session learns where to end the identity provider's
 * session too (SAML single logout, OpenID Connect RP-initiated logout).
 * Audited as `auth.logout`. Ending the local session is the caller's.
 */
@inject()
export default class SignOutService {
  constructor(
    protected audit: AuditService,
    protected samlLogout: SamlLogoutService,
    protected oidc: OidcClient
  ) {}

  /**
   * `browser` is null for a bearer request. Returns the provider URL the
   * browser must visit next, or null.
   */
  async signOut(user: User, browser: BrowserSignIn | null, origin: RequestOrigin) {
    let redirectUrl: string | null = null
    if (!browser) {
      await User.accessTokens.delete(user, user.currentAccessToken!.identifier)
    } else if (browser.oidc) {
      redirectUrl = await this.oidc.endSessionUrl(browser.oidc.idToken)
    } else {
      redirectUrl = await this.samlLogout.begin(browser.sessionId, browser.saml)
    }
    await this.audit.recordLogout(user, origin)
    return redirectUrl
  }
}
