import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import AccountDisabledException from '#exceptions/account_disabled_exception'
import { assertedAt, samlAdminLapsed } from '#services/auth/saml/saml_admin_freshness'

/**
 * Admits a request carrying a valid personal API token (Authorization:
 * Bearer) or a signed-in session, refuses disabled accounts even when
 * their credentials are still valid, limits a token to its scopes, and
 * withholds an IdP-granted admin role no recent assertion backs.
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

    // The API guard reads the roles with the token (app/models/token_owners.ts).
    if (!user.$preloaded.roleRows) {
      await user.load((loader) => loader.load('roleRows'))
    }
    const token = user.currentAccessToken
    // A script acts as an admin only with a token an admin granted the admin scope.
    if (token && !token.allows('admin')) {
      user.withholdRole('admin')
    }
    // An admin role from the IdP needs an assertion younger than SAML_ADMIN_MAX_AGE.
    const vouchedAt = token
      ? token.createdAt.getTime()
      : assertedAt(ctx.session.get('saml') ?? ctx.session.get('oidc'), user)
    if (samlAdminLapsed(user, vouchedAt)) {
      user.withholdRole('admin')
    }
    return next()
  }
}
