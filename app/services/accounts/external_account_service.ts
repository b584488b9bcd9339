import { inject } from '@adonisjs/core'
import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import User, { type AuthProvider } from '#models/user'
import UserRole from '#models/user_role'
import AuditService from '#services/audit_service'
import type RequestOrigin from '#services/request_origin'
import { idDerivedUsername } from '#services/auth/saml/saml_identity_mapper'
import samlConfig from '#config/saml'
import oidcConfig from '#config/oidc'
import { forgetAccount } from '#models/verified_credentials'
import AccountConflictException from '#exceptions/account_conflict_exception'

export type ExternalIdentity = {
  provider: Exclude<AuthProvider, 'local'>
  /** The provider's stable identifier (canonical username, SAML persistent id). */
  externalId: string
  /** The username it wants: the User Office's canonical one, or a federated one. */
  username: string
  /**
   * Set for identities whose name an IdP asserted (not the User Office):
   * their names end with `namespace`, and `fallbackUsername` (derived
   * from the immutable id) is taken when `username` is held.
   */
  federated?: { fallbackUsername: string; namespace: string }
  email?: string | null
  displayName?: string | null
}

/** The namespace of each federated provider's usernames. */
const FEDERATED_SCOPES: Partial<Record<AuthProvider, () => string>> = {
  saml: () => samlConfig.mapping.usernameScope,
  oidc: () => oidcConfig.mapping.usernameScope,
}

/** A federated account moved to another name, to be audited once committed. */
type Rename = { user: User; old: string; reason: string }

/**
 * Portal accounts of people another system vouches for (User Office,
 * SAML IdP, OpenID provider): created on first sign-in, profile kept up to date after.
 * Accounts are keyed by (provider, immutable id), never by username.
 *
 * Usernames: the User Office's are authoritative, a federated one is a
 * label in its IdP's namespace. A federated identity never takes a name
 * another account holds (it falls back on its id-derived name), and a
 * User Office account claims its name from a federated account holding
 * it, which moves to its id-derived name: nobody can squat a facility
 * name through an IdP.
 */
@inject()
export default class ExternalAccountService {
  constructor(protected audit: AuditService) {}

  /**
   * Returns the account for the identity, creating it (with the scientist
   * role) on first sign-in. A name held by an account of the portal or
   * the User Office is a conflict an admin must resolve (409), never a
   * silent takeover.
   */
  async findOrCreate(identity: ExternalIdentity, origin: RequestOrigin): Promise<User> {
    const renames: Rename[] = []
    const existing = await this.#find(identity)
    if (existing) {
      await this.#moveIntoNamespace(existing, identity, renames)
      await this.#auditRenames(renames, origin)
      return this.#refreshProfile(existing, identity)
    }
    let user: User
    try {
      user = await db.transaction(async (trx) => {
        const username = await this.#freeName(trx, identity, renames)
        const created = await User.create(
          {
            username,
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
          { userId: created.id, role: 'scientist', source: 'manual' },
          { client: trx }
        )
        return created
      })
    } catch (error) {
      // Two first sign-ins at once: the loser finds the winner's row.
      const raced = await this.#find(identity)
      if (raced) {
        return raced
      }
      throw error
    }
    await this.#auditRenames(renames, origin, user)
    return user
  }

  #find(identity: ExternalIdentity) {
    return User.query()
      .where('provider', identity.provider)
      .where('external_id', identity.externalId)
      .first()
  }

  /**
   * The first of the identity's names nobody holds. A federated account
   * holding the User Office's name is moved aside (its name was never
   * authoritative); any other holder is a conflict.
   */
  async #freeName(trx: TransactionClientContract, identity: ExternalIdentity, renames: Rename[]) {
    const candidates = identity.federated
      ? [identity.username, identity.federated.fallbackUsername]
      : [identity.username]
    for (const name of candidates) {
      const holder = await User.query({ client: trx }).where('username', name).first()
      if (!holder) {
        return name
      }
      const holderScope = FEDERATED_SCOPES[holder.provider]
      if (!identity.federated && holderScope && holder.externalId) {
        await this.#rename(
          trx,
          holder,
          idDerivedUsername(holder.externalId, holderScope()),
          renames,
          {
            reason: 'name claimed by a User Office account',
          }
        )
        return name
      }
    }
    throw new AccountConflictException()
  }

  /** A federated account named outside its IdP's namespace (named before it existed) moves in. */
  async #moveIntoNamespace(user: User, identity: ExternalIdentity, renames: Rename[]) {
    if (!identity.federated || user.username.endsWith(identity.federated.namespace)) {
      return
    }
    await db.transaction(async (trx) => {
      for (const name of [identity.username, identity.federated!.fallbackUsername]) {
        if (!(await User.query({ client: trx }).where('username', name).first())) {
          await this.#rename(trx, user, name, renames, {
            reason: 'federated names live in the IdP namespace',
          })
          return
        }
      }
    })
  }

  async #rename(
    trx: TransactionClientContract,
    user: User,
    username: string,
    renames: Rename[],
    { reason }: { reason: string }
  ) {
    if (await User.query({ client: trx }).where('username', username).first()) {
      throw new AccountConflictException()
    }
    renames.push({ user, old: user.username, reason })
    user.username = username
    await user.useTransaction(trx).save()
  }

  async #auditRenames(renames: Rename[], origin: RequestOrigin, claimedBy?: User) {
    for (const { user, old, reason } of renames) {
      // Committed by now: this process stops reusing the old name.
      forgetAccount(user.id)
      await this.audit.record({
        actor: null,
        action: 'user.rename',
        outcome: 'success',
        origin,
        objectType: 'user',
        objectId: user.id,
        details: { old, new: user.username, reason, claimedByUserId: claimedBy?.id },
      })
    }
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
