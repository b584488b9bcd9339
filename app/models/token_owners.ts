import { AccessTokensLucidUserProvider } from '@adonisjs/auth/access_tokens'
import type { Secret } from '@adonisjs/core/helpers'
import type { LucidTokenable } from '@adonisjs/auth/types/access_tokens'
import type { StoredAccessTokens } from '#models/stored_access_tokens'
import { accountFromRows } from '#models/account_rows'

/**
 * The API guard's user provider, reading the token, its owner and the
 * owner's roles in one statement (`StoredAccessTokens.verifyWithOwner`,
 * remembered for AUTH_CACHE_TTL) instead of three. The portal's guard
 * (app/models/token_owners_guard.ts) asks for both at once
 * (`verifyTokenWithOwner`); the package's two-step calls (`verifyToken`,
 * then `findById`) keep their own meaning.
 */
export class TokenOwnersProvider<
  TokenableProperty extends string,
  UserModel extends LucidTokenable<TokenableProperty>,
> extends AccessTokensLucidUserProvider<TokenableProperty, UserModel> {
  /**
   * The verified token and a fresh instance of its owner (each request gets
   * its own: the auth middleware withholds roles per request), or null
   * when the token is unknown, expired, its secret wrong or its owner gone.
   */
  async verifyTokenWithOwner(tokenValue: Secret<string>) {
    const tokens = (await this.getTokensProvider()) as unknown as StoredAccessTokens<UserModel>
    // Set by getTokensProvider (through getModel).
    const model = this.model!
    const verified = await tokens.verifyWithOwner(tokenValue)
    if (!verified) {
      return null
    }
    return {
      token: verified.token,
      owner: accountFromRows(model, verified) as InstanceType<UserModel>,
    }
  }
}
