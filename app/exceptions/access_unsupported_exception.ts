import { Exception } from '@adonisjs/core/exceptions'

/**
 * The environment's protocol cannot be opened on this portal (e.g. a VNC
 * image while ACCESS_BROKER is "none").
 */
export default class AccessUnsupportedException extends Exception {
  static status = 409
  static code = 'E_ACCESS_UNSUPPORTED'
  static message = "This portal offers no remote access for this environment's protocol"
}
