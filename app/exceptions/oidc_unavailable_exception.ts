import { Exception } from '@adonisjs/core/exceptions'

/** The OpenID provider did not answer (discovery, token or userinfo call) within OIDC_TIMEOUT. */
export default class OidcUnavailableException extends Exception {
  static status = 503
  static code = 'E_OIDC_UNAVAILABLE'
  static message = 'The identity provider cannot be reached; please try again later'

  constructor(readonly reason: string) {
    super()
  }
}
