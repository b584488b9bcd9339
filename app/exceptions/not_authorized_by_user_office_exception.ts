import { Exception } from '@adonisjs/core/exceptions'

/**
 * The facility's User Office (contract endpoint 3) does not authorise the
 * user to launch environments outside an experiment, or does not know them.
 */
export default class NotAuthorizedByUserOfficeException extends Exception {
  static status = 403
  static code = 'E_NOT_AUTHORIZED_BY_USER_OFFICE'
  static message =
    'The facility does not authorise you to launch environments outside an experiment; choose one of your experiments'
}
