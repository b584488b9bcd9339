import { Exception } from '@adonisjs/core/exceptions'

/**
 * As many OpenID Connect sign-ins as OIDC_MAX_PENDING_SIGN_INS allows are
 * under way (each holds a row until answered or expired). Nothing was
 * stored; the browser retries after Retry-After seconds.
 */
export default class OidcSignInBusyException extends Exception {
  static status = 429
  static code = 'E_OIDC_BUSY'
  static message = 'Too many sign-ins are under way; please try again in a minute'

  readonly retryAfterSeconds = 60
}
