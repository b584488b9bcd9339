import { AccessToken, DbAccessTokensProvider } from '@adonisjs/auth/access_tokens'
import type { Secret } from '@adonisjs/core/helpers'
import type { LucidModel } from '@adonisjs/lucid/types/model'
import { fromSqlTimestamp } from '#models/millisecond_timestamp'
import { accountColumns, roleColumns, splitAccountRow } from '#models/account_rows'
import { forgetToken, verifiedTokens, type VerifiedTokenRows } from '#models/verified_credentials'
import tokenUses from '#models/token_use_recorder'
import { decodeTokenValue, secretMatches, storedHashBytes } from '#models/token_value'

type TimestampValue = Date | string | number | null
type TokenRow = Parameters<DbAccessTokensProvider<LucidModel>['dbRowToAccessToken']>[0]

/**
 * A token row as the checks use it, worked out once per row (a remembered
 * row serves every request within AUTH_CACHE_TTL): what an AccessToken is
 * made of (abilities parsed, timestamps as dates, the abilities frozen
 * since every request's token shares them) and the stored hash as bytes.
 */
export type StoredToken = {
  attributes: ConstructorParameters<typeof AccessToken>[0]
  hash: Buffer
}

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
/** A token id as the portal writes it: digits, no leading zero. */
const CANONICAL_ID = /^[1-9][0-9]{0,15}$/

function asDate(value: TimestampValue) {
  if (value === null || value instanceof Date) {
    return value
  }
  return typeof value === 'number' ? new Date(value) : fromSqlTimestamp(value).toJSDate()
}

/**
 * The auth package's token store with these changes:
 *
 * - Timestamps are read in every form a dialect returns: mysql2 gives
 *   dates, SQLite the UTC text every write stores
 *   (providers/sql_time_provider.ts). The package only converts epoch
 *   numbers, and a text `expires_at` compared with a date is never in the
 *   past: an expired token would keep working.
 * - A read does not write. The package updates `last_used_at` on every
 *   request and before it checks the secret (anyone knowing a token id
 *   could force a write per request). Here the secret and the expiry are
 *   checked first, and the use is only noted in memory: the token use
 *   recorder (app/models/token_use_recorder.ts) writes it later,
 *   off the request path, in one batched conditional UPDATE.
 * - `verifyWithOwner` reads the token with its owner and roles in one
 *   statement and remembers it for AUTH_CACHE_TTL.
 * - A presented value is taken apart and its secret checked without the
 *   package's per-call work (app/models/token_value.ts: the same answers,
 *   the digests still compared in constant time); what a token row reads
 *   as is worked out once per row (`StoredToken`), not per request.
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

  /** Deletes one of the tokenable's tokens; this process forgets it at once (sign-out, revocation). */
  async delete(tokenable: InstanceType<Model>, identifier: string | number | BigInt) {
    const deleted = await super.delete(tokenable, identifier)
    forgetToken(String(identifier))
    return deleted
  }

  /** The token for a publicly shared value, or null (its use is noted, not written here). */
  async verify(tokenValue: Secret<string>) {
    const decoded = decodeTokenValue(this.prefix, tokenValue.release())
    if (!decoded) {
      return null
    }
    const db = await this.getDb()
    const row = await db
      .from(this.table)
      .where({ id: decoded.identifier, type: this.type })
      .limit(1)
      .first()
    return row ? this.#admit(this.storedToken(row as TokenRow), decoded.secret) : null
  }

  /** What the checks use of a token row (`StoredToken`). */
  storedToken(row: TokenRow): StoredToken {
    const token = this.dbRowToAccessToken(row)
    return {
      attributes: {
        identifier: token.identifier,
        tokenableId: token.tokenableId,
        type: token.type,
        name: token.name,
        hash: token.hash,
        abilities: Object.freeze(token.abilities) as string[],
        createdAt: token.createdAt,
        updatedAt: token.updatedAt,
        lastUsedAt: token.lastUsedAt,
        expiresAt: token.expiresAt,
      },
      hash: storedHashBytes(token.hash),
    }
  }

  /**
   * `verify` and the token's owner with its role names: what
   * `readWithOwner` read, or remembered for AUTH_CACHE_TTL
   * (app/models/verified_credentials.ts). Either way the presented
   * secret is checked against the stored hash (constant time) and the
   * expiry against the clock, so a wrong secret is never admitted from
   * memory. Null when the token is unknown, expired, its secret does not
   * match, or its owner is gone.
   */
  async verifyWithOwner(tokenValue: Secret<string>) {
    const decoded = decodeTokenValue(this.prefix, tokenValue.release())
    if (!decoded) {
      return null
    }
    // Only the canonical spelling of an id is remembered: "01" reads the
    // row of 1 too, but must not outlive the revocation of token 1.
    const cacheable = CANONICAL_ID.test(decoded.identifier)
    const remembered = cacheable ? verifiedTokens.get(decoded.identifier) : undefined
    const generation = verifiedTokens.generation
    const rows = remembered ?? (await this.readWithOwner(decoded.identifier))
    if (!rows) {
      return null
    }
    const token = this.#admit(rows.token, decoded.secret)
    if (!token) {
      return null
    }
    // Only what a right secret opened is remembered.
    if (!remembered && cacheable) {
      verifiedTokens.store(decoded.identifier, String(token.tokenableId), rows, generation)
    }
    return { token, ownerRow: rows.ownerRow, roles: rows.roles }
  }

  /**
   * One statement: the token row (as `StoredToken`), the owner's columns
   * (all but the password hash) and the owner's roles by source. Null when
   * the token or its owner is gone. Nothing is verified here.
   */
  async readWithOwner(identifier: string): Promise<VerifiedTokenRows | null> {
    const model = this.options.tokenableModel
    const db = await this.getDb()
    const row = await db
      .from(`${this.table} as t`)
      .join(`${model.table} as o`, 'o.id', 't.tokenable_id')
      .where('t.id', identifier)
      .where('t.type', this.type)
      .select(accountColumns(model, 'o'))
      .select(TOKEN_COLUMNS.map((name) => `t.${name} as ${TOKEN_PREFIX}${name}`))
      .select(roleColumns(db, 'o'))
      .limit(1)
      .first()
    if (!row) {
      return null
    }
    const tokenRow: Record<string, unknown> = {}
    const accountRow: Record<string, unknown> = {}
    for (const [name, value] of Object.entries(row as Record<string, unknown>)) {
      if (name.startsWith(TOKEN_PREFIX)) {
        tokenRow[name.slice(TOKEN_PREFIX.length)] = value
      } else {
        accountRow[name] = value
      }
    }
    return { token: this.storedToken(tokenRow as TokenRow), ...splitAccountRow(accountRow) }
  }

  /**
   * A fresh token when the secret matches the stored hash (compared in
   * constant time) and the token has not expired; its use is noted for
   * a later write.
   */
  #admit(stored: StoredToken, secret: Buffer) {
    if (!secretMatches(secret, stored.hash)) {
      return null
    }
    const token = new AccessToken(stored.attributes)
    if (token.isExpired()) {
      return null
    }
    tokenUses.note(token)
    return token
  }
}
