import { Exception } from '@adonisjs/core/exceptions'

/**
 * The environment is not in a state the action applies to (a stale or
 * concurrent request): nothing was done.
 */
export default class InvalidStateException extends Exception {
  static status = 409
  static code = 'E_INVALID_STATE'
  static message = 'The environment is not in a state that allows this'
}
