import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import { loginValidator } from '#validators/auth'
import SignInService from '#services/auth/sign_in_service'
import RequestOrigin from '#services/request_origin'
import TrustedDevice from '#services/auth/trusted_device'
import SignOutService from '#services/auth/sign_out_service'
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
  async destroy(ctx: HttpContext, signOut: SignOutService) {
    const user = ctx.auth.getUserOrFail()
    // A script signing out with a bearer token revokes that token.
    const browser = user.currentAccessToken
      ? null
      : {
          sessionId: ctx.session.sessionId,
          saml: ctx.session.get('saml'),
          oidc: ctx.session.get('oidc'),
        }
    const redirectUrl = await signOut.signOut(user, browser, RequestOrigin.fromHttp(ctx))
    if (browser) {
      await ctx.auth.use('web').logout()
      ctx.session.forget('saml')
      ctx.session.forget('oidc')
      // A fresh id: the signed-in session's row goes, so that a process still holding it
      // (remembered, or mid-request) can never write it back (ADR 14).
      ctx.session.regenerate()
    }
    if (redirectUrl) {
      return { data: { redirectUrl } }
    }
    return ctx.response.noContent()
  }
}
