import { Exception } from '@adonisjs/core/exceptions'

/** The account exists but an admin has disabled it. */
export default class AccountDisabledException extends Exception {
  static status = 403
  static code = 'E_ACCOUNT_DISABLED'
  static message = 'This account is disabled; contact the facility'
}
