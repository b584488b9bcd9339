import { Exception } from '@adonisjs/core/exceptions'

/**
 * The site is already starting as many environments as it allows at once
 * (ENVIRONMENT_MAX_CONCURRENT_LAUNCHES): a burst, e.g. a whole class
 * starting together, must not overload the engine. Nothing was reserved;
 * the client retries after Retry-After seconds.
 */
export default class LaunchLimitException extends Exception {
  static status = 429
  static code = 'E_LAUNCH_LIMIT'

  readonly retryAfterSeconds = 10

  constructor(limit: number) {
    super(`The portal is starting ${limit} environments already; retry in a few seconds`)
  }
}
