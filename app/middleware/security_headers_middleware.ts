import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'

/**
 * Headers every response carries, whatever the route or credential. Shield
 * adds them (with CSP and HSTS) to cookie-session traffic only, but health
 * probes, the API reference, bearer-token calls and unknown paths are
 * answered too, and a browser may be what reads them.
 */
export default class SecurityHeadersMiddleware {
  handle(ctx: HttpContext, next: NextFn) {
    ctx.response.header('X-Content-Type-Options', 'nosniff')
    ctx.response.header('X-Frame-Options', 'DENY')
    return next()
  }
}
