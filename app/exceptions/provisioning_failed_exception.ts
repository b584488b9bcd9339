import { Exception } from '@adonisjs/core/exceptions'

/**
 * The engine refused or failed to run the environment (missing image,
 * invalid configuration, container exited). The message is for people.
 */
export default class ProvisioningFailedException extends Exception {
  static status = 502
  static code = 'E_PROVISIONING_FAILED'
  static message = 'The environment could not be started'
}
