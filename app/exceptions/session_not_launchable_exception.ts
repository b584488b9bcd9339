import { Exception } from '@adonisjs/core/exceptions'

/** The session's dataset mounts do not pass the confinement checks. */
export default class SessionNotLaunchableException extends Exception {
  static status = 409
  static code = 'E_SESSION_NOT_LAUNCHABLE'
  static message = 'The data of this session cannot be mounted; contact the facility'
}
