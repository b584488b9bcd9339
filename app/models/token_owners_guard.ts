import { AccessTokensGuard, type AccessToken } from '@adonisjs/auth/access_tokens'
import { errors } from '@adonisjs/auth'
import { Secret } from '@adonisjs/core/helpers'
import type { HttpContext } from '@adonisjs/core/http'
import type { EmitterLike } from '@adonisjs/core/types/events'
import type { AccessTokensGuardEvents } from '@adonisjs/auth/types/access_tokens'
import type { TokenOwnersProvider } from '#models/token_owners'

type Provider = TokenOwnersProvider<any, any>
type GuardUser<UserProvider extends Provider> = NonNullable<AccessTokensGuard<UserProvider>['user']>

/**
 * The package's access tokens guard, authenticating with one call to its
 * provider (the token and its owner together, `verifyTokenWithOwner`)
 * instead of two (`verifyToken`, then `findById` for the token's owner,
 * which the provider had to hold for it in between). Everything else —
 * the header's reading, the events and their data, the error, creating and
 * invalidating tokens — is the package's.
 */
export class TokenOwnersGuard<
  UserProvider extends Provider,
> extends AccessTokensGuard<UserProvider> {
  #name: string
  #ctx: HttpContext
  #emitter: EmitterLike<AccessTokensGuardEvents<GuardUser<UserProvider>>>
  #provider: UserProvider

  constructor(
    name: string,
    ctx: HttpContext,
    emitter: EmitterLike<AccessTokensGuardEvents<GuardUser<UserProvider>>>,
    provider: UserProvider
  ) {
    super(name, ctx, emitter, provider)
    this.#name = name
    this.#ctx = ctx
    this.#emitter = emitter
    this.#provider = provider
  }

  async authenticate(): Promise<GuardUser<UserProvider>> {
    if (this.authenticationAttempted) {
      return this.getUserOrFail()
    }
    this.authenticationAttempted = true
    this.#emitter.emit('access_tokens_auth:authentication_attempted', {
      ctx: this.#ctx,
      guardName: this.#name,
    })
    const verified = await this.#provider.verifyTokenWithOwner(new Secret(this.#bearerToken()))
    if (!verified) {
      throw this.#failed()
    }
    const token: AccessToken = verified.token
    const user = verified.owner as GuardUser<UserProvider>
    this.isAuthenticated = true
    this.user = user
    user.currentAccessToken = token
    this.#emitter.emit('access_tokens_auth:authentication_succeeded', {
      ctx: this.#ctx,
      token,
      guardName: this.#name,
      user,
    })
    return user
  }

  /** The token of "Authorization: Bearer <token>", read as the package reads it. */
  #bearerToken() {
    const [type, token] = this.#ctx.request.header('authorization', '')!.split(' ')
    if (!type || type.toLowerCase() !== 'bearer' || !token) {
      throw this.#failed()
    }
    return token
  }

  #failed() {
    const error = new errors.E_UNAUTHORIZED_ACCESS('Unauthorized access', {
      guardDriverName: this.driverName,
    })
    this.#emitter.emit('access_tokens_auth:authentication_failed', {
      ctx: this.#ctx,
      guardName: this.#name,
      error,
    })
    return error
  }
}
