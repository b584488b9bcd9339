import { inject } from '@adonisjs/core'
import User from '#models/user'
import AuditService from '#services/audit_service'
import type RequestOrigin from '#services/request_origin'
import NotFoundException from '#exceptions/not_found_exception'
import db from '@adonisjs/lucid/services/db'

/**
 * Personal API tokens that let a user's scripts call the API as them.
 * Only a hash is stored; the token itself is shown once, at creation.
 */
@inject()
export default class AccessTokenService {
  constructor(protected audit: AuditService) {}

  /** Issues a token; the returned object holds the only copy of its value. */
  async create(user: User, name: string, expiresInDays: number, origin: RequestOrigin) {
    const token = await User.accessTokens.create(user, ['*'], {
      name,
      expiresIn: `${expiresInDays} days`,
    })
    await this.audit.record({
      actor: user,
      action: 'token.create',
      outcome: 'success',
      origin,
      objectType: 'access_token',
      objectId: String(token.identifier),
      details: { name, expiresInDays },
    })
    return token
  }

  /** The user's tokens, newest first, one page at a time. */
  async list(user: User, page: number, perPage: number) {
    return db
      .from('auth_access_tokens')
      .select('id', 'name', 'created_at', 'last_used_at', 'expires_at')
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
}
