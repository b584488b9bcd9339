import { createHash } from 'node:crypto'
import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import { SAML_CACHE_TABLE } from '#services/auth/saml/saml_request_cache'
import { forgetSessions } from '#models/verified_credentials'

/** What the portal keeps of a SAML sign-in to log out at the IdP later. */
export type SamlSessionInfo = {
  nameID: string
  nameIDFormat: string
  sessionIndex?: string
}

/** A portal session the IdP asked to end. */
export type EndedSession = { sessionId: string; userId: number | null }

/**
 * Longer than any IdP session: an entry only has to outlive the sign-in
 * it records (a stale one names a session that no longer exists).
 */
const ENTRY_TTL_DAYS = 7

function subjectKey(nameID: string) {
  return `session:${createHash('sha256').update(nameID).digest('hex')}:`
}

/**
 * Which portal sessions each SAML sign-in opened, keyed by the asserted
 * NameID, in the shared SAML table. An IdP-initiated LogoutRequest names
 * the subject (and the IdP session), not a portal session, and over the
 * POST binding the browser does not even send the SameSite=Lax session
 * cookie: this is how the portal still ends the right sessions, in any
 * portal process.
 */
export default class SamlSessionRegistry {
  /** Records that portal session `sessionId` belongs to this SAML sign-in. */
  async remember(sessionId: string, info: SamlSessionInfo) {
    await db.from(SAML_CACHE_TABLE).where('expires_at', '<', new Date()).delete()
    await db.table(SAML_CACHE_TABLE).insert({
      key: subjectKey(info.nameID) + sessionId,
      value: info.sessionIndex ?? '',
      expires_at: DateTime.utc().plus({ days: ENTRY_TTL_DAYS }).toJSDate(),
    })
  }

  /** Forgets a session that ended another way (sign-out at the portal). */
  async forget(sessionId: string, info: SamlSessionInfo) {
    await db
      .from(SAML_CACHE_TABLE)
      .where('key', subjectKey(info.nameID) + sessionId)
      .delete()
  }

  /**
   * Ends every portal session of the subject `nameID` — only those of IdP
   * session `sessionIndex` when the IdP named one — and returns them.
   */
  async end(nameID: string, sessionIndex: string | undefined): Promise<EndedSession[]> {
    const prefix = subjectKey(nameID)
    const entries = await db
      .from(SAML_CACHE_TABLE)
      .where('key', 'like', `${prefix}%`)
      .select('key', 'value')
    const matching = entries
      .filter((entry) => !sessionIndex || !entry.value || entry.value === sessionIndex)
      .map((entry) => (entry.key as string).slice(prefix.length))
    if (matching.length === 0) {
      return []
    }
    const sessions = await db.from('sessions').whereIn('id', matching).select('id', 'user_id')
    await db.from('sessions').whereIn('id', matching).delete()
    forgetSessions(matching)
    await db
      .from(SAML_CACHE_TABLE)
      .whereIn(
        'key',
        matching.map((sessionId) => prefix + sessionId)
      )
      .delete()
    return sessions.map((row) => ({
      sessionId: row.id as string,
      userId: row.user_id === null ? null : Number(row.user_id),
    }))
  }
}
