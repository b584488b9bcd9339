import { Exception } from '@adonisjs/core/exceptions'

/**
 * A SAML message failed a security check (signature, InResponseTo,
 * audience, destination, validity window, algorithm, structure).
 * The reason is logged and audited, not shown in detail to the browser.
 */
export default class SamlResponseRejectedException extends Exception {
  static status = 401
  static code = 'E_SAML_REJECTED'
  static message =
    'The sign-in response from your identity provider was not accepted; please sign in again'

  constructor(readonly reason: string) {
    super()
  }
}
