import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import { loginValidator } from '#validators/auth'
import SignInService from '#services/auth/sign_in_service'
import AuditService from '#services/audit_service'
import RequestOrigin from '#services/request_origin'
import TrustedDevice from '#services/auth/trusted_device'
import User from '#models/user'
import SamlLogoutService from '#services/saml/saml_logout_service'
import OidcClient from '#services/oidc/oidc_client'
import type { OidcSessionState } from '#services/oidc/oidc_session_state'
import UserTransformer from '#transformers/user_transformer'

/**
 * Cookie sessions for the single-page frontend.
 */
export default class SessionController {
  /**
   * Issues the XSRF-TOKEN cookie (done by Shield on any request); the SPA
   * calls this before its first unsafe request.
   */
  async csrf({ response }: HttpContext) {
    return response.noContent()
  }

  @inject()
  async store(ctx: HttpContext, signIn: SignInService) {
    const { username, password } = await ctx.request.validateUsing(loginValidator)
    const device = TrustedDevice.fromHttp(ctx)
    const user = await signIn.signIn(
      username,
      password,
      RequestOrigin.fromHttp(ctx),
      device.keyFor(username)
    )
    device.remember(ctx, username)
    await ctx.auth.use('web').login(user)
    // Tagged with the user, so that disabling or erasing the account ends the session.
    await ctx.session.tag(String(user.id))
    return ctx.serialize(UserTransformer.transform(user))
  }

  /**
   * Ends the session (or revokes the bearer token used). After a SAML
   * sign-in at an IdP with single logout, or an OpenID Connect sign-in at
   * a provider with an end_session_endpoint (RP-initiated logout), answers
   * where the browser must go to end the IdP session too.
   */
  @inject()
  async destroy(
    ctx: HttpContext,
    audit: AuditService,
    samlLogout: SamlLogoutService,
    oidc: OidcClient
  ) {
    const user = ctx.auth.getUserOrFail()
    let idpLogoutUrl: string | null = null
    // A script signing out with a bearer token revokes that token.
    if (user.currentAccessToken) {
      await User.accessTokens.delete(user, user.currentAccessToken.identifier)
    } else {
      const oidcState: OidcSessionState | undefined = ctx.session.get('oidc')
      idpLogoutUrl = oidcState
        ? await oidc.endSessionUrl(oidcState.idToken)
        : await samlLogout.begin(ctx.session.sessionId, ctx.session.get('saml'))
      await ctx.auth.use('web').logout()
      ctx.session.forget('saml')
      ctx.session.forget('oidc')
    }
    await audit.record({
      actor: user,
      action: 'auth.logout',
      outcome: 'success',
      origin: RequestOrigin.fromHttp(ctx),
      objectType: 'user',
      objectId: user.id,
    })
    if (idpLogoutUrl) {
      return { data: { redirectUrl: idpLogoutUrl } }
    }
    return ctx.response.noContent()
  }
}
