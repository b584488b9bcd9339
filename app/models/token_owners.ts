import { AccessTokensLucidUserProvider } from '@adonisjs/auth/access_tokens'
import type { Secret } from '@adonisjs/core/helpers'
import type { LucidTokenable } from '@adonisjs/auth/types/access_tokens'
import type { StoredAccessTokens } from '#models/stored_access_tokens'
import { accountFromRows } from '#models/account_rows'

/** At most this many verified owners wait for the guard's `findById` (a safety bound). */
const MAX_WAITING = 10_000

/**
 * The API guard's user provider, reading the token, its owner and the
 * owner's roles in one statement (`StoredAccessTokens.verifyWithOwner`,
 * remembered for AUTH_CACHE_TTL) instead of three. The guard asks
 * for the token first and then for its owner by id: the owner read with
 * the token waits here for that second call, once (each request gets its
 * own model instance: the auth middleware withholds roles per request).
 */
export class TokenOwnersProvider<
  TokenableProperty extends string,
  UserModel extends LucidTokenable<TokenableProperty>,
> extends AccessTokensLucidUserProvider<TokenableProperty, UserModel> {
  #waiting = new Map<string, InstanceType<UserModel>[]>()

  async verifyToken(tokenValue: Secret<string>) {
    const tokens = (await this.getTokensProvider()) as unknown as StoredAccessTokens<UserModel>
    const verified = await tokens.verifyWithOwner(tokenValue)
    if (!verified) {
      return null
    }
    const owner = accountFromRows(await this.getModel(), verified) as InstanceType<UserModel>
    if (this.#waiting.size >= MAX_WAITING) {
      this.#waiting.clear()
    }
    const key = String(verified.token.tokenableId)
    this.#waiting.set(key, [...(this.#waiting.get(key) ?? []), owner])
    return verified.token
  }

  async findById(identifier: string | number | BigInt) {
    const key = String(identifier)
    const waiting = this.#waiting.get(key)
    const owner = waiting?.shift()
    if (waiting && waiting.length === 0) {
      this.#waiting.delete(key)
    }
    return owner ? this.createUserForGuard(owner) : super.findById(identifier)
  }
}
