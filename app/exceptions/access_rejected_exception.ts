import { Exception } from '@adonisjs/core/exceptions'
import type { GuacamoleTextProblem } from '#domain/guacamole_text'

/** Why Guacamole cannot hold the connection; `refused`: its database said no to a value. */
export type AccessRejectedProblem = GuacamoleTextProblem | 'refused'

const WHY: Record<AccessRejectedProblem, string> = {
  characters: 'has characters Guacamole cannot store (outside the Basic Multilingual Plane)',
  length: 'is longer than Guacamole can store',
  refused: 'was refused by Guacamole',
}

/**
 * Guacamole can never hold this environment's connection as it is
 * configured (e.g. the image's REMOTE_USER has an emoji, which
 * Guacamole's utf8 schema cannot store). Unlike E_ACCESS_UNAVAILABLE,
 * retrying does not help: an administrator must change the setting named
 * in `meta.setting` (null when Guacamole's database did not say which).
 */
export default class AccessRejectedException extends Exception {
  static status = 409
  static code = 'E_ACCESS_REJECTED'

  readonly meta: { setting: string | null; problem: AccessRejectedProblem }

  constructor(setting: string | null, problem: AccessRejectedProblem) {
    const subject = setting ? `The setting ${setting}` : "A value of this environment's connection"
    super(`${subject} ${WHY[problem]}; retrying will not help, an administrator must change it`)
    this.meta = { setting, problem }
  }
}
