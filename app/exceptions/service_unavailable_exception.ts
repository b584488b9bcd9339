import { Exception } from '@adonisjs/core/exceptions'

/** A system the request depends on (database, User Office, engine) cannot be reached. */
export default class ServiceUnavailableException extends Exception {
  static status = 503
  static code = 'E_SERVICE_UNAVAILABLE'
  static message = 'A required service is unavailable, please retry later'
}
