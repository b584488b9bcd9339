import { Exception } from '@adonisjs/core/exceptions'

/**
 * A share that cannot be made, answered like any invalid input (422 with
 * the field). The same words for a username that does not exist and one
 * that is not a member, so nobody learns which accounts exist.
 */
export default class ShareRefusedException extends Exception {
  static status = 422
  static code = 'E_VALIDATION_ERROR'

  constructor(
    readonly field: 'username' | 'role',
    message: string
  ) {
    super(message)
  }

  static notAMember() {
    return new ShareRefusedException(
      'username',
      "No other member of this environment's experiment has this username"
    )
  }

  static noExperiment() {
    return new ShareRefusedException(
      'username',
      'This environment belongs to no experiment: only members of its experiment can share it'
    )
  }

  static notViewOnly(protocol: string) {
    return new ShareRefusedException(
      'role',
      `A ${protocol} environment cannot be made view-only: share it as "user"`
    )
  }
}
