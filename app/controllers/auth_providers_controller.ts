import type { HttpContext } from '@adonisjs/core/http'
import samlConfig from '#config/saml'
import userOfficeConfig from '#config/user_office'
import oidcConfig from '#config/oidc'

/**
 * Which sign-in methods the frontend should offer. No secrets.
 */
export default class AuthProvidersController {
  async index(_ctx: HttpContext) {
    return {
      data: {
        password: {
          enabled: true,
          providers: userOfficeConfig.enabled ? ['local', 'useroffice'] : ['local'],
        },
        saml: samlConfig.enabled
          ? { enabled: true, label: samlConfig.label, loginUrl: '/api/v1/auth/saml/login' }
          : { enabled: false },
        oidc: oidcConfig.enabled
          ? { enabled: true, label: oidcConfig.label, loginUrl: '/api/v1/auth/oidc/login' }
          : { enabled: false },
      },
    }
  }
}
