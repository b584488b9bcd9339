import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import SessionMiddleware from '@adonisjs/session/session_middleware'
import ShieldMiddleware from '@adonisjs/shield/shield_middleware'

/**
 * Routes whose whole point is a browser session (signing in, the SAML
 * round trip): they get one even when a bearer token is sent along, which
 * they have no use for, instead of failing without a session.
 */
const SESSION_ROUTES = new Set([
  '/api/v1/auth/login',
  '/api/v1/auth/saml/acs',
  '/api/v1/auth/saml/slo',
])

/**
 * Cookie session plus Shield (CSRF, security headers) for browser traffic.
 *
 * Requests with a bearer token skip the session: scripts must not leave a
 * session row behind per call, and a browser cannot forge such a request,
 * so it needs no CSRF token either.
 */
export default class BrowserSessionMiddleware {
  async handle(ctx: HttpContext, next: NextFn) {
    const bearer = /^Bearer\s/i.test(ctx.request.header('authorization') ?? '')
    if (bearer && !SESSION_ROUTES.has(ctx.route?.pattern ?? '')) {
      return next()
    }
    const session = await ctx.containerResolver.make(SessionMiddleware)
    const shield = await ctx.containerResolver.make(ShieldMiddleware)
    return session.handle(ctx, () => shield.handle(ctx, next))
  }
}
