import { Exception } from '@adonisjs/core/exceptions'

/**
 * The provider's answer failed a check (state, issuer, PKCE, ID token
 * signature, issuer, audience, nonce, expiry, claims). The reason is
 * logged and audited, not shown in detail to the browser.
 */
export default class OidcRejectedException extends Exception {
  static status = 401
  static code = 'E_OIDC_REJECTED'
  static message =
    'The sign-in answer from your identity provider was not accepted; please sign in again'

  constructor(readonly reason: string) {
    super()
  }
}
