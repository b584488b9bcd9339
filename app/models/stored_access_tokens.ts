import { AccessToken, DbAccessTokensProvider } from '@adonisjs/auth/access_tokens'
import type { Secret } from '@adonisjs/core/helpers'
import type { LucidModel } from '@adonisjs/lucid/types/model'
import { fromSqlTimestamp } from '#models/millisecond_timestamp'
import { apiTokensConfig } from '#config/auth'
import { ROLE_SOURCES } from '#models/user_role'

type TimestampValue = Date | string | number | null
type TokenRow = Parameters<DbAccessTokensProvider<LucidModel>['dbRowToAccessToken']>[0]

/** The token columns the joined statement of `verifyWithOwner` reads, under a prefix. */
const TOKEN_COLUMNS = [
  'id',
  'tokenable_id',
  'type',
  'name',
  'hash',
  'abilities',
  'created_at',
  'updated_at',
  'last_used_at',
  'expires_at',
] as const
const TOKEN_PREFIX = 'token__'

function asDate(value: TimestampValue) {
  if (value === null || value instanceof Date) {
    return value
  }
  return typeof value === 'number' ? new Date(value) : fromSqlTimestamp(value).toJSDate()
}

/**
 * The auth package's token store with two changes:
 *
 * - Timestamps are read in every form a dialect returns: mysql2 gives
 *   dates, SQLite the UTC text every write stores
 *   (providers/sql_time_provider.ts). The package only converts epoch
 *   numbers, and a text `expires_at` compared with a date is never in the
 *   past: an expired token would keep working.
 * - A read does not write. The package updates `last_used_at` on every
 *   request and before it checks the secret (anyone knowing a token id
 *   could force a write per request). Here the secret and the expiry are
 *   checked first, and `last_used_at` is written only when the stored
 *   value is older than API_TOKEN_LAST_USED_RESOLUTION, with a
 *   conditional UPDATE so that replicas do not write it twice.
 */
export class StoredAccessTokens<Model extends LucidModel> extends DbAccessTokensProvider<Model> {
  dbRowToAccessToken(row: TokenRow) {
    const timestamps = row as unknown as Record<
      'created_at' | 'updated_at' | 'last_used_at' | 'expires_at',
      TimestampValue
    >
    return super.dbRowToAccessToken({
      ...row,
      created_at: asDate(timestamps.created_at)!,
      updated_at: asDate(timestamps.updated_at)!,
      last_used_at: asDate(timestamps.last_used_at),
      expires_at: asDate(timestamps.expires_at),
    } as typeof row)
  }

  /** The token for a publicly shared value, or null; no write unless the secret matches. */
  async verify(tokenValue: Secret<string>) {
    const decoded = AccessToken.decode(this.prefix, tokenValue.release())
    if (!decoded) {
      return null
    }
    const db = await this.getDb()
    const row = await db
      .from(this.table)
      .where({ id: decoded.identifier, type: this.type })
      .limit(1)
      .first()
    return row ? this.#admit(row as TokenRow, decoded.secret) : null
  }

  /**
   * `verify` and the token's owner with its role names in one statement:
   * the token row, the owner's columns (all but the password hash) and the
   * owner's roles by source. Null when the token is unknown, expired, its
   * secret does not match, or its owner is gone.
   */
  async verifyWithOwner(tokenValue: Secret<string>) {
    const decoded = AccessToken.decode(this.prefix, tokenValue.release())
    if (!decoded) {
      return null
    }
    const model = this.options.tokenableModel
    const ownerTable = model.table
    const ownerColumns = [...model.$columnsDefinitions.values()]
      .map((column) => column.columnName)
      .filter((name) => name !== 'password')
    const db = await this.getDb()
    const rolesOf = (source: string) =>
      db.raw(
        `(SELECT group_concat(r.role) FROM user_roles r WHERE r.user_id = o.id AND r.source = ?) AS ${TOKEN_PREFIX}roles_${source}`,
        [source]
      )
    const row = await db
      .from(`${this.table} as t`)
      .join(`${ownerTable} as o`, 'o.id', 't.tokenable_id')
      .where('t.id', decoded.identifier)
      .where('t.type', this.type)
      .select(ownerColumns.map((name) => `o.${name}`))
      .select(TOKEN_COLUMNS.map((name) => `t.${name} as ${TOKEN_PREFIX}${name}`))
      .select(ROLE_SOURCES.map(rolesOf))
      .limit(1)
      .first()
    if (!row) {
      return null
    }
    const tokenRow: Record<string, unknown> = {}
    const ownerRow: Record<string, unknown> = {}
    for (const [name, value] of Object.entries(row as Record<string, unknown>)) {
      if (name.startsWith(TOKEN_PREFIX)) {
        tokenRow[name.slice(TOKEN_PREFIX.length)] = value
      } else {
        ownerRow[name] = value
      }
    }
    const token = await this.#admit(tokenRow as TokenRow, decoded.secret)
    if (!token) {
      return null
    }
    const roles = ROLE_SOURCES.flatMap((source) =>
      splitRoles(tokenRow[`roles_${source}`]).map((role) => ({ role, source }))
    )
    return { token, ownerRow, roles }
  }

  /** The token when the secret matches and it has not expired; records its use (throttled). */
  async #admit(row: TokenRow, secret: Secret<string>) {
    const token = this.dbRowToAccessToken(row)
    if (!token.verify(secret) || token.isExpired()) {
      return null
    }
    const now = new Date()
    const staleBefore = new Date(now.getTime() - apiTokensConfig.lastUsedResolutionMs)
    if (!token.lastUsedAt || token.lastUsedAt < staleBefore) {
      const db = await this.getDb()
      await db
        .from(this.table)
        .where({ id: row.id, type: row.type })
        .where((query) => query.whereNull('last_used_at').orWhere('last_used_at', '<', staleBefore))
        .update({ last_used_at: now })
      token.lastUsedAt = now
    }
    return token
  }
}

function splitRoles(value: unknown) {
  return typeof value === 'string' && value !== '' ? value.split(',') : []
}
