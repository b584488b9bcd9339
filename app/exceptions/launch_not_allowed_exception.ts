import { Exception } from '@adonisjs/core/exceptions'

/**
 * Starting a stopped environment again is a launch: the rights it was
 * launched with must still hold (the image is still offered to the owner,
 * the owner still belongs to its experiment). Nothing was changed.
 */
export default class LaunchNotAllowedException extends Exception {
  static status = 403
  static code = 'E_LAUNCH_NOT_ALLOWED'
}
