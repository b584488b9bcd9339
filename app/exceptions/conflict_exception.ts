import { Exception } from '@adonisjs/core/exceptions'

/** What a client is told when its write met a concurrent one and nothing of it stayed. */
export const CONCURRENT_CHANGE_MESSAGE = 'A concurrent change got there first; please retry'

/** The request clashes with the current state of the resource. */
export default class ConflictException extends Exception {
  static status = 409
  static code = 'E_CONFLICT'
  static message = 'The request conflicts with the current state of the resource'
}
