import { Exception } from '@adonisjs/core/exceptions'

/**
 * A colleague an environment is shared with asked for what only its owner
 * (or an admin) may do: stop, start, remove, extend or share it. They know
 * it exists, so this is a refusal rather than "not found".
 */
export default class EnvironmentActionForbiddenException extends Exception {
  static status = 403
  static code = 'E_FORBIDDEN'
  static message = 'Only the owner of this environment may do this'
}
