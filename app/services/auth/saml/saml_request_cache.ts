import { createHash, randomBytes } from 'node:crypto'
import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import type { CacheItem, CacheProvider } from '@node-saml/passport-saml'
import samlConfig from '#config/saml'
import { isUniqueViolation } from '#services/database_errors'

export const SAML_CACHE_TABLE = 'saml_request_cache'
const TABLE = SAML_CACHE_TABLE

function expiry(ttlMs = samlConfig.requestTtlMs) {
  return DateTime.utc().plus({ milliseconds: ttlMs }).toJSDate()
}

/**
 * node-saml's request-id cache, in the shared database so that a response
 * can arrive at any portal process. Before node-saml sees a response, the
 * portal claims its InResponseTo atomically (`claim`): of two concurrent
 * deliveries of one response only one gets past, and a response that then
 * fails validation has still used its request up.
 *
 * Also keeps RelayState tokens → returnTo URLs (browsers do not send the
 * SameSite=Lax session cookie with the IdP's cross-site POST), the ids of
 * LogoutRequests already acted on, and (SamlSessionRegistry) which portal
 * sessions each SAML sign-in opened.
 */
export default class SamlRequestCache implements CacheProvider {
  async saveAsync(key: string, value: string): Promise<CacheItem> {
    await this.#put(`request:${key}`, value)
    return { value, createdAt: Date.now() }
  }

  /** node-saml asks (twice per response) whether a claimed request id is known. */
  async getAsync(key: string): Promise<string | null> {
    const row = await db
      .from(TABLE)
      .where('key', `claimed:${key}`)
      .where('expires_at', '>', new Date())
      .first()
    return row ? (row.value as string) : null
  }

  async removeAsync(key: string | null): Promise<string | null> {
    if (!key) {
      return null
    }
    const deleted = await db.from(TABLE).where('key', `claimed:${key}`).delete()
    return Number(deleted) > 0 ? key : null
  }

  /**
   * Takes an outstanding request id for the response now being validated.
   * False when it was never issued, has expired, or was already taken.
   */
  async claim(requestId: string) {
    const value = await this.#take(`request:${requestId}`)
    if (value === null) {
      return false
    }
    await db.table(TABLE).insert({ key: `claimed:${requestId}`, value, expires_at: expiry() })
    return true
  }

  /**
   * Uses up an outstanding request id without handing it to node-saml (the
   * portal checks InResponseTo of logout responses itself). False when it
   * was never issued, has expired, or was already used.
   */
  async takeRequest(requestId: string) {
    return (await this.#take(`request:${requestId}`)) !== null
  }

  /**
   * Notes a message id as seen for `ttlMs`, atomically: false when it was
   * seen before (a replay), whichever process saw it.
   */
  async firstSighting(kind: string, messageId: string, ttlMs: number) {
    await db.from(TABLE).where('expires_at', '<', new Date()).delete()
    try {
      await db.table(TABLE).insert({
        // Hashed: message ids are the sender's, of any length.
        key: `seen:${kind}:${createHash('sha256').update(messageId).digest('hex')}`,
        value: '',
        expires_at: expiry(ttlMs),
      })
      return true
    } catch (error) {
      if (isUniqueViolation(error)) {
        return false
      }
      throw error
    }
  }

  /** Sign-in requests issued and not yet answered or expired, by every process. */
  async pendingRequests() {
    const row = await db
      .from(TABLE)
      .where('key', 'like', 'request:%')
      .where('expires_at', '>', new Date())
      .count('* as n')
      .first()
    return Number(row?.n ?? 0)
  }

  /** Stores where to send the browser after sign-in; returns the RelayState token. */
  async saveReturnTo(returnTo: string) {
    const token = randomBytes(24).toString('base64url')
    await this.#put(`relay:${token}`, returnTo)
    return token
  }

  /** The returnTo stored under a RelayState token, once. */
  async takeReturnTo(token: string | undefined) {
    if (!token || !/^[\w-]{16,64}$/.test(token)) {
      return null
    }
    return this.#take(`relay:${token}`)
  }

  async #put(key: string, value: string) {
    await db.from(TABLE).where('expires_at', '<', new Date()).delete()
    await db.table(TABLE).insert({ key, value, expires_at: expiry() })
  }

  async #take(key: string) {
    const row = await db.from(TABLE).where('key', key).where('expires_at', '>', new Date()).first()
    if (!row) {
      return null
    }
    const deleted = await db.from(TABLE).where('key', key).delete()
    return Number(deleted) === 1 ? (row.value as string) : null
  }
}
