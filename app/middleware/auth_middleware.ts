import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import AccountDisabledException from '#exceptions/account_disabled_exception'

/**
 * Admits a request carrying a valid personal API token (Authorization:
 * Bearer) or a signed-in session, refuses disabled accounts even when
 * their credentials are still valid, and limits a token to its scopes.
 */
export default class AuthMiddleware {
  async handle(ctx: HttpContext, next: NextFn) {
    const guard = ctx.request.header('authorization') ? 'api' : 'web'
    const user = await ctx.auth.authenticateUsing([guard])

    if (user.disabled) {
      if (guard === 'web') {
        await ctx.auth.use('web').logout()
      }
      throw new AccountDisabledException()
    }

    await user.load((loader) => loader.load('roleRows'))
    // A script acts as an admin only with a token an admin granted the admin scope.
    if (user.currentAccessToken && !user.currentAccessToken.allows('admin')) {
      user.withholdRole('admin')
    }
    return next()
  }
}
