import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import TokenScopeException from '#exceptions/token_scope_exception'

/**
 * Routes a person must use in the browser, signed in with a session:
 * creating API tokens (a leaked token must not be able to mint
 * successors). Runs after "auth", before any input is read.
 */
export default class RequireSessionMiddleware {
  async handle(ctx: HttpContext, next: NextFn) {
    if (ctx.auth.user?.currentAccessToken) {
      throw new TokenScopeException('A personal API token cannot do this; sign in to do so')
    }
    return next()
  }
}
