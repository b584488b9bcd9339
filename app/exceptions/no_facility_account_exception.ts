import { Exception } from '@adonisjs/core/exceptions'

/**
 * The federated identity is genuine, but the facility has no account for
 * it (the User Office does not know it). Nothing is created.
 */
export default class NoFacilityAccountException extends Exception {
  static status = 403
  static code = 'E_NO_FACILITY_ACCOUNT'
  static message =
    'Your identity provider signed you in, but no facility account is linked to this identity. ' +
    'Register with the facility User Office (or link your federated identity there), then try again.'
}
