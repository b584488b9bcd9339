import { Exception } from '@adonisjs/core/exceptions'

/**
 * Remote access cannot be set up right now: Guacamole is not configured
 * or its database cannot be reached.
 */
export default class AccessUnavailableException extends Exception {
  static status = 503
  static code = 'E_ACCESS_UNAVAILABLE'
  static message = 'Remote access is unavailable, please retry later'
}
