import { Exception } from '@adonisjs/core/exceptions'

/**
 * What a personal API token may not do: mint tokens (a leaked token must
 * not be able to outlive its own expiry or revocation), or carry the admin
 * scope unless an admin, signed in with a browser session, grants it.
 */
export default class TokenScopeException extends Exception {
  static status = 403
  static code = 'E_TOKEN_SCOPE'
}
