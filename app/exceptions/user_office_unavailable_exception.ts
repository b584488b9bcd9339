import { Exception } from '@adonisjs/core/exceptions'

/**
 * The User Office did not answer usefully (timeout, network error, 5xx,
 * or a reply outside the contract). Never reported as a wrong password.
 */
export default class UserOfficeUnavailableException extends Exception {
  static status = 503
  static code = 'E_USER_OFFICE_UNAVAILABLE'
  static message = 'The facility User Office is unavailable, please retry later'
}
