import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import SessionMiddleware from '@adonisjs/session/session_middleware'
import ShieldMiddleware from '@adonisjs/shield/shield_middleware'

/**
 * Cookie session plus Shield (CSRF, security headers) for browser traffic.
 *
 * Requests with a bearer token skip the session: scripts must not leave a
 * session row behind per call, and a browser cannot forge such a request,
 * so it needs no CSRF token either.
 */
export default class BrowserSessionMiddleware {
  async handle(ctx: HttpContext, next: NextFn) {
    if (/^Bearer\s/i.test(ctx.request.header('authorization') ?? '')) {
      return next()
    }
    const session = await ctx.containerResolver.make(SessionMiddleware)
    const shield = await ctx.containerResolver.make(ShieldMiddleware)
    return session.handle(ctx, () => shield.handle(ctx, next))
  }
}
