import { inject } from '@adonisjs/core'
import db from '@adonisjs/lucid/services/db'
import User, { type AuthProvider } from '#models/user'
import UserRole from '#models/user_role'
import AccountConflictException from '#exceptions/account_conflict_exception'

export type ExternalIdentity = {
  provider: Exclude<AuthProvider, 'local'>
  /** The provider's stable identifier (canonical username, SAML persistent id). */
  externalId: string
  username: string
  email?: string | null
  displayName?: string | null
}

/**
 * Portal accounts of people another system vouches for (User Office,
 * SAML IdP): created on first sign-in, profile kept up to date after.
 */
@inject()
export default class ExternalAccountService {
  /**
   * Returns the account for the identity, creating it (with the scientist
   * role) on first sign-in. A username already held by another account
   * is a conflict an admin must resolve, never a silent takeover.
   */
  async findOrCreate(identity: ExternalIdentity): Promise<User> {
    const existing = await this.#find(identity)
    if (existing) {
      return this.#refreshProfile(existing, identity)
    }
    try {
      return await db.transaction(async (trx) => {
        const taken = await User.query({ client: trx }).where('username', identity.username).first()
        if (taken) {
          throw new AccountConflictException()
        }
        const user = await User.create(
          {
            username: identity.username,
            provider: identity.provider,
            externalId: identity.externalId,
            email: identity.email ?? null,
            displayName: identity.displayName ?? null,
            password: null,
            disabled: false,
          },
          { client: trx }
        )
        await UserRole.create(
          { userId: user.id, role: 'scientist', source: 'manual' },
          { client: trx }
        )
        return user
      })
    } catch (error) {
      // Two first sign-ins at once: the loser finds the winner's row.
      const raced = await this.#find(identity)
      if (raced) {
        return raced
      }
      throw error
    }
  }

  #find(identity: ExternalIdentity) {
    return User.query()
      .where('provider', identity.provider)
      .where('external_id', identity.externalId)
      .first()
  }

  async #refreshProfile(user: User, identity: ExternalIdentity) {
    if (identity.email !== undefined && identity.email !== null) {
      user.email = identity.email
    }
    if (identity.displayName !== undefined && identity.displayName !== null) {
      user.displayName = identity.displayName
    }
    if (user.$isDirty) {
      await user.save()
    }
    return user
  }
}
