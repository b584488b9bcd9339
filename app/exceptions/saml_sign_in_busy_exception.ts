import { Exception } from '@adonisjs/core/exceptions'

/**
 * As many SAML sign-ins as SAML_MAX_PENDING_SIGN_INS allows are under way
 * (each holds a row of the request cache until answered or expired):
 * a flood of sign-in starts must not grow the database without bound.
 * Nothing was cached; the browser retries after Retry-After seconds.
 */
export default class SamlSignInBusyException extends Exception {
  static status = 429
  static code = 'E_SAML_BUSY'
  static message = 'Too many sign-ins are under way; please try again in a minute'

  readonly retryAfterSeconds = 60
}
