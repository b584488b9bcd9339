import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'

/**
 * Guards the /api/v1/admin tree: only holders of the admin role pass.
 * Runs after "auth".
 */
export default class RequireAdminMiddleware {
  async handle(ctx: HttpContext, next: NextFn) {
    await ctx.bouncer.authorize('administerPortal')
    return next()
  }
}
