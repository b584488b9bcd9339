import app from '@adonisjs/core/services/app'
import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import type { Authenticator } from '@adonisjs/auth'
import type { Authenticators, GuardFactory } from '@adonisjs/auth/types'

/*
 * The auth manager is a container singleton: @adonisjs/auth's own
 * middleware asks the request's container for it on every request (a
 * lookup and a promise hop each); it is the same object every time.
 */
const authManager = await app.container.make('auth.manager')

/**
 * Creates the request's authenticator (`ctx.auth`), as @adonisjs/auth's
 * InitializeAuthMiddleware does, without protecting anything: the `auth`
 * middleware does that.
 */
export default class InitializeAuthMiddleware {
  handle(ctx: HttpContext, next: NextFn) {
    ctx.auth = authManager.createAuthenticator(ctx)
    return next()
  }
}

declare module '@adonisjs/core/http' {
  export interface HttpContext {
    auth: Authenticator<
      Authenticators extends Record<string, GuardFactory> ? Authenticators : never
    >
  }
}
