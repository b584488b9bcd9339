import { Exception } from '@adonisjs/core/exceptions'

/** OpenID Connect sign-in is not configured on this portal. */
export default class OidcDisabledException extends Exception {
  static status = 404
  static code = 'E_OIDC_DISABLED'
  static message = 'OpenID Connect sign-in is not enabled on this portal'
}
