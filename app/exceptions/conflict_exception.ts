import { Exception } from '@adonisjs/core/exceptions'

/** The request clashes with the current state of the resource. */
export default class ConflictException extends Exception {
  static status = 409
  static code = 'E_CONFLICT'
  static message = 'The request conflicts with the current state of the resource'
}
