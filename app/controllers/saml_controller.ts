import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import portalConfig from '#config/portal'
import { federatedLoginValidator } from '#validators/auth'
import RequestOrigin from '#services/request_origin'
import SamlServiceProvider from '#services/auth/saml/saml_service_provider'
import SamlSignInService from '#services/auth/saml/saml_sign_in_service'
import SamlLogoutService from '#services/auth/saml/saml_logout_service'
import type { SamlSessionState } from '#services/auth/saml/saml_admin_freshness'
import { samlBrowserBinding } from '#services/auth/saml/saml_browser_binding'

/**
 * Browser-facing SAML endpoints. Errors here render as an HTML page (see
 * the exception handler): the user is looking at them, not the SPA.
 */
@inject()
export default class SamlController {
  constructor(protected sp: SamlServiceProvider) {}

  async metadata({ response }: HttpContext) {
    response.header('Content-Type', 'application/samlmetadata+xml; charset=utf-8')
    return response.send(this.sp.metadata())
  }

  @inject()
  async login(ctx: HttpContext, signIn: SamlSignInService) {
    const { returnTo } = await ctx.request.validateUsing(federatedLoginValidator, {
      data: ctx.request.qs(),
    })
    const { url, requestId } = await signIn.begin(
      returnTo ?? portalConfig.landingUrl,
      RequestOrigin.fromHttp(ctx)
    )
    samlBrowserBinding.begin(ctx, samlBrowserBinding.pending(ctx), requestId)
    return ctx.response.redirect(url)
  }

  @inject()
  async acs(ctx: HttpContext, signIn: SamlSignInService, logout: SamlLogoutService) {
    const pending = samlBrowserBinding.pending(ctx)
    const { user, profile, returnTo, requestId } = await signIn.complete(
      ctx.request.body(),
      pending,
      RequestOrigin.fromHttp(ctx)
    )
    samlBrowserBinding.end(ctx, pending, requestId)
    await ctx.auth.use('web').login(user)
    // Tagged with the user, so that disabling or erasing the account ends the session.
    await ctx.session.tag(String(user.id))
    const saml = {
      nameID: profile.nameID,
      nameIDFormat: profile.nameIDFormat,
      sessionIndex: profile.sessionIndex,
    }
    // When and for whom the IdP vouched: its admin role lasts SAML_ADMIN_MAX_AGE from here.
    const state: SamlSessionState = { ...saml, assertedAt: Date.now(), userId: user.id }
    ctx.session.forget('oidc')
    ctx.session.put('saml', state)
    await logout.track(ctx.session.sessionId, saml)
    return ctx.response
      .redirect()
      .status(303)
      .toPath(returnTo ?? portalConfig.landingUrl)
  }

  /**
   * The IdP's LogoutRequest or LogoutResponse: HTTP-Redirect (GET, the
   * signature covers the raw query) or HTTP-POST (an auto-submitted form).
   */
  @inject()
  async slo(ctx: HttpContext, logout: SamlLogoutService) {
    await ctx.auth.check()
    const binding = ctx.request.method() === 'POST' ? 'post' : 'redirect'
    const outcome = await logout.handleIdpMessage(
      binding,
      binding === 'post' ? ctx.request.body() : ctx.request.qs(),
      ctx.request.parsedUrl.query ?? '',
      {
        sessionId: ctx.session.sessionId,
        user: ctx.auth.user,
        saml: ctx.session.get('saml'),
      },
      RequestOrigin.fromHttp(ctx)
    )
    if (outcome.endLocalSession) {
      await ctx.auth.use('web').logout()
      ctx.session.forget('saml')
      // As at a sign-out at the portal: the signed-in id's row goes (ADR 14).
      ctx.session.regenerate()
    }
    // 303: after a POST the browser must GET the next page.
    return ctx.response
      .redirect()
      .status(binding === 'post' ? 303 : 302)
      .toPath(outcome.redirectTo)
  }
}
