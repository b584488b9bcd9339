import { Exception } from '@adonisjs/core/exceptions'

/**
 * The identity a provider vouched for maps to a portal username that
 * another kind of account already holds; an admin must resolve it.
 */
export default class AccountConflictException extends Exception {
  static status = 409
  static code = 'E_ACCOUNT_CONFLICT'
  static message = 'This identity clashes with an existing portal account; contact the facility'
}
