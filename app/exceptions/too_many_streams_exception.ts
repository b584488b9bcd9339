import { Exception } from '@adonisjs/core/exceptions'

/**
 * The user already holds as many progress streams open as
 * EVENT_STREAMS_PER_USER allows (each one polls the database): a script
 * or a runaway page must not tie up the server with them.
 */
export default class TooManyStreamsException extends Exception {
  static status = 429
  static code = 'E_TOO_MANY_STREAMS'
  static message = 'Too many progress streams are open; close one or retry later'

  readonly retryAfterSeconds = 5
}
