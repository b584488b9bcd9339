import { defineConfig } from '@adonisjs/auth'
import { sessionGuard, sessionUserProvider } from '@adonisjs/auth/session'
import { tokensGuard } from '@adonisjs/auth/access_tokens'
import string from '@adonisjs/core/helpers/string'
import env from '#start/env'
import { TokenOwnersProvider } from '#models/token_owners'
import type { InferAuthenticators, InferAuthEvents, Authenticators } from '@adonisjs/auth/types'

/**
 * Two ways in: the SPA's session cookie ("web") and personal API tokens
 * sent as "Authorization: Bearer" by scripts ("api").
 */
const authConfig = defineConfig({
  default: 'web',
  guards: {
    web: sessionGuard({
      useRememberMeTokens: false,
      provider: sessionUserProvider({
        model: () => import('#models/user'),
      }),
    }),
    api: tokensGuard({
      // The token, its owner and the owner's roles in one statement.
      provider: new TokenOwnersProvider({
        tokens: 'accessTokens',
        model: () => import('#models/user'),
      }),
    }),
  },
})

export default authConfig

/** Personal API tokens. */
export const apiTokensConfig = {
  /**
   * How fresh a token's `last_used_at` is kept: a request writes it only
   * when the stored value is older than this, so reads do not write.
   */
  lastUsedResolutionMs: string.milliseconds.parse(env.get('API_TOKEN_LAST_USED_RESOLUTION', '5m')),
}

declare module '@adonisjs/auth/types' {
  export interface Authenticators extends InferAuthenticators<typeof authConfig> {}
}
declare module '@adonisjs/core/types' {
  interface EventsList extends InferAuthEvents<Authenticators> {}
}
