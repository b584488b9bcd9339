import AdonisCorsMiddleware from '@adonisjs/cors/cors_middleware'
import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import corsConfig from '#config/cors'

/*
 * The package's middleware is bound in the container as a factory: every
 * request would build a new instance and re-normalise the config (about
 * 7 µs of CPU per request, also on requests without an Origin). Its
 * instances keep no per-request state, so one serves every request.
 */
const cors = new AdonisCorsMiddleware(corsConfig)

/** CORS as config/cors.ts defines it (see @adonisjs/cors). */
export default class CorsMiddleware {
  handle(ctx: HttpContext, next: NextFn) {
    // A request without an Origin (or with an empty one) is not
    // cross-origin: the package passes it on untouched, as here, but
    // only after a promise of its own.
    if (!ctx.request.request.headers.origin) {
      return next()
    }
    return cors.handle(ctx, next)
  }
}
