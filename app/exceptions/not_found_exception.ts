import { Exception } from '@adonisjs/core/exceptions'

/**
 * The resource does not exist, or belongs to someone else: both answer
 * the same so that nobody learns of other users' objects.
 */
export default class NotFoundException extends Exception {
  static status = 404
  static code = 'E_NOT_FOUND'
  static message = 'Resource not found'
}
