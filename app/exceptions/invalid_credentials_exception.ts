import { Exception } from '@adonisjs/core/exceptions'

/** Wrong username or password; deliberately silent about which. */
export default class InvalidCredentialsException extends Exception {
  static status = 401
  static code = 'E_INVALID_CREDENTIALS'
  static message = 'Invalid username or password'
}
