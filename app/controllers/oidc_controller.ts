import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import portalConfig from '#config/portal'
import { oidcCallbackValidator } from '#validators/oidc'
import { federatedLoginValidator } from '#validators/auth'
import RequestOrigin from '#services/request_origin'
import OidcSignInService from '#services/auth/oidc/oidc_sign_in_service'
import { oidcBrowserBinding } from '#services/auth/oidc/oidc_browser_binding'
import type { OidcSessionState } from '#services/auth/oidc/oidc_session_state'

/**
 * Browser-facing OpenID Connect endpoints. Errors here render as an HTML
 * page (see the exception handler): the user is looking at them.
 */
export default class OidcController {
  @inject()
  async login(ctx: HttpContext, signIn: OidcSignInService) {
    const { returnTo } = await ctx.request.validateUsing(federatedLoginValidator, {
      data: ctx.request.qs(),
    })
    const { url, checks } = await signIn.begin(
      returnTo ?? portalConfig.landingUrl,
      RequestOrigin.fromHttp(ctx)
    )
    oidcBrowserBinding.begin(ctx, oidcBrowserBinding.pending(ctx), checks)
    return ctx.response.redirect(url)
  }

  @inject()
  async callback(ctx: HttpContext, signIn: OidcSignInService) {
    const query = await ctx.request.validateUsing(oidcCallbackValidator, {
      data: ctx.request.qs(),
    })
    const pending = oidcBrowserBinding.pending(ctx)
    const { user, returnTo, checks, idToken } = await signIn.complete(
      query,
      ctx.request.parsedUrl.query ?? '',
      pending,
      RequestOrigin.fromHttp(ctx)
    )
    oidcBrowserBinding.end(ctx, pending, checks)
    await ctx.auth.use('web').login(user)
    // Tagged with the user, so that disabling or erasing the account ends the session.
    await ctx.session.tag(String(user.id))
    // When and for whom the provider vouched: its admin role lasts OIDC_ADMIN_MAX_AGE from here.
    const state: OidcSessionState = { idToken, assertedAt: Date.now(), userId: user.id }
    ctx.session.forget('saml')
    ctx.session.put('oidc', state)
    return ctx.response.redirect().status(303).toPath(returnTo)
  }
}
