import { Exception } from '@adonisjs/core/exceptions'

/**
 * The portal does not hold this account's password: the User Office or
 * the SAML IdP does, and it is changed there.
 */
export default class PasswordNotLocalException extends Exception {
  static status = 403
  static code = 'E_PASSWORD_NOT_LOCAL'

  constructor(message = 'This account’s password is managed by the facility, not the portal') {
    super(message)
  }
}
