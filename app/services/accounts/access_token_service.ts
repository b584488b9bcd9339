import { inject } from '@adonisjs/core'
import User from '#models/user'
import AuditService from '#services/audit_service'
import type RequestOrigin from '#services/request_origin'
import NotFoundException from '#exceptions/not_found_exception'
import TokenScopeException from '#exceptions/token_scope_exception'
import { samlAdminValidUntil } from '#services/auth/saml/saml_admin_freshness'
import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'

/** What a token lets a script do: "user" always; "admin" only when granted. */
export type TokenScope = 'user' | 'admin'

export type NewTokenRequest = {
  name: string
  expiresInDays: number
  admin?: boolean
  /** The request creating the token was itself authenticated by a token. */
  viaToken: boolean
  /** When the IdP last vouched for the user in the creating session (epoch ms), if it did. */
  samlAssertedAt?: number | null
}

const DAY_SECONDS = 24 * 60 * 60

/**
 * Personal API tokens that let a user's scripts call the API as them.
 * Only a hash is stored; the token itself is shown once, at creation.
 */
@inject()
export default class AccessTokenService {
  constructor(protected audit: AuditService) {}

  /**
   * Issues a token; the returned object holds the only copy of its value.
   * Only a browser session may mint one, and only an admin's session an
   * admin-scoped one (TokenScopeException otherwise). An admin-scoped
   * token of someone whose admin role the IdP granted expires no later
   * than SAML_ADMIN_MAX_AGE after the assertion behind the session.
   */
  async create(user: User, request: NewTokenRequest, origin: RequestOrigin) {
    if (request.viaToken) {
      throw new TokenScopeException('A personal API token cannot create tokens; sign in to do so')
    }
    if (request.admin && !user.isAdmin) {
      throw new TokenScopeException('Only an admin may create an admin-scoped token')
    }
    const scopes: TokenScope[] = request.admin ? ['user', 'admin'] : ['user']
    let expiresIn = request.expiresInDays * DAY_SECONDS
    const adminUntil = request.admin
      ? samlAdminValidUntil(user, request.samlAssertedAt ?? null)
      : null
    if (adminUntil !== null) {
      expiresIn = Math.min(expiresIn, Math.floor((adminUntil - Date.now()) / 1000))
      if (expiresIn < 1) {
        throw new TokenScopeException('Only an admin may create an admin-scoped token')
      }
    }
    const token = await User.accessTokens.create(user, scopes, {
      name: request.name,
      expiresIn,
    })
    await this.audit.record({
      actor: user,
      action: 'token.create',
      outcome: 'success',
      origin,
      objectType: 'access_token',
      objectId: String(token.identifier),
      details: {
        name: request.name,
        expiresInDays: request.expiresInDays,
        scopes,
        // Capped to the IdP-granted admin role's remaining life.
        ...(adminUntil === null ? {} : { expiresAt: token.expiresAt?.toISOString() }),
      },
    })
    return token
  }

  /** The user's tokens, newest first, one page at a time. */
  async list(user: User, page: number, perPage: number) {
    return db
      .from('auth_access_tokens')
      .select('id', 'name', 'abilities', 'created_at', 'last_used_at', 'expires_at')
      .where('tokenable_id', user.id)
      .orderBy('id', 'desc')
      .paginate(page, perPage)
  }

  /** Revokes one of the user's own tokens; anyone else's is "not found". */
  async revoke(user: User, tokenId: number, origin: RequestOrigin) {
    const token = await User.accessTokens.find(user, tokenId)
    if (!token) {
      throw new NotFoundException()
    }
    // The token store forgets it in this process too (app/models/stored_access_tokens.ts).
    await User.accessTokens.delete(user, tokenId)
    await this.audit.record({
      actor: user,
      action: 'token.revoke',
      outcome: 'success',
      origin,
      objectType: 'access_token',
      objectId: String(tokenId),
    })
  }

  /**
   * Deletes the user's admin-scoped tokens: the admin role they were
   * granted under is gone (a user-scoped token stays valid).
   */
  async revokeAdminScoped(userId: number, trx?: TransactionClientContract) {
    await (trx ?? db)
      .from('auth_access_tokens')
      .where('tokenable_id', userId)
      .where('abilities', 'like', '%"admin"%')
      .delete()
  }
}
