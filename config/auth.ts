import { defineConfig } from '@adonisjs/auth'
import { SessionGuard } from '@adonisjs/auth/session'
import string from '@adonisjs/core/helpers/string'
import type { HttpContext } from '@adonisjs/core/http'
import env from '#start/env'
import { TokenOwnersProvider } from '#models/token_owners'
import { TokenOwnersGuard } from '#models/token_owners_guard'
import { SessionUsersProvider } from '#models/session_users'
import { listenedEvents } from '#models/listened_events'
import type { InferAuthenticators, InferAuthEvents, Authenticators } from '@adonisjs/auth/types'

/**
 * Two ways in: the SPA's session cookie ("web") and personal API tokens
 * sent as "Authorization: Bearer" by scripts ("api").
 */
const authConfig = defineConfig({
  default: 'web',
  // The guards of `sessionGuard` and `tokensGuard`, with an emitter that
  // skips the events nobody listens to (app/models/listened_events.ts, beside the user providers).
  guards: {
    web: {
      async resolver(name, app) {
        const emitter = await listenedEvents(app)
        // The user and their roles in one statement, remembered for AUTH_CACHE_TTL.
        const provider = new SessionUsersProvider({ model: () => import('#models/user') })
        return (ctx: HttpContext) =>
          new SessionGuard(name, ctx, { useRememberMeTokens: false }, emitter, provider)
      },
    },
    api: {
      async resolver(name, app) {
        const emitter = await listenedEvents(app)
        // The token, its owner and the owner's roles in one statement, asked for at once.
        const provider = new TokenOwnersProvider({
          tokens: 'accessTokens',
          model: () => import('#models/user'),
        })
        return (ctx: HttpContext) => new TokenOwnersGuard(name, ctx, emitter, provider)
      },
    },
  },
})

export default authConfig

/** Personal API tokens. */
export const apiTokensConfig = {
  /**
   * How fresh a token's `last_used_at` is kept: requests only note a use
   * in memory, and a timer writes it at most once per this period per
   * token (app/models/token_use_recorder.ts).
   */
  lastUsedResolutionMs: string.milliseconds.parse(env.get('API_TOKEN_LAST_USED_RESOLUTION', '1m')),
}

/** AUTH_CACHE_TTL in milliseconds: `0` is off (start/env_rules.ts durationOrOff). */
function cacheTtlMs(value: string) {
  return value === '0' ? 0 : string.milliseconds.parse(value)
}

/**
 * The in-process memory of verified credentials
 * (app/models/verified_credentials.ts): bearer tokens with their
 * owner and roles, and session users with their roles. A change made in
 * another process applies here once the entry is older than `ttlMs`.
 */
export const authCacheConfig = {
  /** How long a credential check's read is reused; 0 turns the cache off. */
  ttlMs: cacheTtlMs(env.get('AUTH_CACHE_TTL', '1s')),
  /** Entries per cache (tokens, session users): a bound on memory. */
  maxEntries: 10_000,
}

declare module '@adonisjs/auth/types' {
  export interface Authenticators extends InferAuthenticators<typeof authConfig> {}
}
declare module '@adonisjs/core/types' {
  interface EventsList extends InferAuthEvents<Authenticators> {}
}
