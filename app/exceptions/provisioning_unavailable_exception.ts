import { Exception } from '@adonisjs/core/exceptions'

/** The container engine or cluster cannot be reached. */
export default class ProvisioningUnavailableException extends Exception {
  static status = 503
  static code = 'E_PROVISIONING_UNAVAILABLE'
  static message = 'The compute back end is unavailable, please retry later'
}
