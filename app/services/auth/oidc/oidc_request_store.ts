import { createHash } from 'node:crypto'
import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import oidcConfig from '#config/oidc'

const TABLE = 'oidc_sign_in_requests'

function digest(value: string) {
  return createHash('sha256').update(value).digest('hex')
}

/**
 * OpenID Connect sign-ins under way, in the shared database (any portal
 * process may receive the provider's answer). Only digests of state and
 * nonce are kept: the values themselves, and the PKCE verifier, stay in
 * the browser's encrypted binding cookie.
 */
export default class OidcRequestStore {
  /** Notes a sign-in started with `state` and `nonce`, landing on `returnTo`. */
  async save(state: string, nonce: string, returnTo: string) {
    await db.from(TABLE).where('expires_at', '<', new Date()).delete()
    await db.table(TABLE).insert({
      state_digest: digest(state),
      nonce_digest: digest(nonce),
      return_to: returnTo,
      expires_at: DateTime.utc().plus({ milliseconds: oidcConfig.requestTtlMs }).toJSDate(),
    })
  }

  /**
   * Takes the sign-in started with `state` and `nonce`, atomically, once
   * (whichever process asks): its returnTo, or null when it was never
   * started, has expired or was already answered.
   */
  async take(state: string, nonce: string): Promise<string | null> {
    const key = digest(state)
    const row = await db
      .from(TABLE)
      .where('state_digest', key)
      .where('expires_at', '>', new Date())
      .first()
    if (!row || row.nonce_digest !== digest(nonce)) {
      return null
    }
    const deleted = await db.from(TABLE).where('state_digest', key).delete()
    return Number(deleted) === 1 ? (row.return_to as string) : null
  }

  /** Sign-ins started and not yet answered or expired, by every process. */
  async pending() {
    const row = await db.from(TABLE).where('expires_at', '>', new Date()).count('* as n').first()
    return Number(row?.n ?? 0)
  }
}
