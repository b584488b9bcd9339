import { Exception } from '@adonisjs/core/exceptions'

/** SAML single sign-on is not configured on this portal. */
export default class SamlDisabledException extends Exception {
  static status = 404
  static code = 'E_SAML_DISABLED'
  static message = 'Federated sign-in is not enabled on this portal'
}
