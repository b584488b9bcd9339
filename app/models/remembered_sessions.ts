import { configProvider } from '@adonisjs/core'
import { MessageBuilder } from '@adonisjs/core/helpers'
import string from '@adonisjs/core/helpers/string'
import type { ConfigProvider } from '@adonisjs/core/types'
import type {
  SessionData,
  SessionStoreFactory,
  SessionStoreWithTaggingContract,
} from '@adonisjs/session/types'
import db from '@adonisjs/lucid/services/db'
import { PreparedSelect } from '#models/prepared_select'
import { forgetSessions, sessionRows, type SessionRow } from '#models/verified_credentials'

/** The session's data as the request sees it: verified for its id, a fresh object each time. */
function verified(row: SessionRow, sessionId: string): SessionData | null {
  try {
    return new MessageBuilder().verify<SessionData>(row.data, sessionId)
  } catch {
    return null
  }
}

/**
 * A database session store whose read, the one statement of every request
 * of a signed-in browser, is remembered per process for AUTH_CACHE_TTL
 * (`sessionRows`, app/models/verified_credentials.ts; 0 turns it off), and
 * whose writes never bring back a session deleted elsewhere. ADR 14.
 *
 * - The read is a PreparedSelect (the package's builds `where('id', …)
 *   .first()` per request, and its `LIMIT ?` made SQLite plan it again every
 *   time: app/models/sqlite_statements.ts). Its answers are the package's
 *   (@adonisjs/session 8): an expired session is destroyed and reads as
 *   none, data that does not verify for this session id reads as none. A
 *   remembered row is verified again at every use, and one past its stored
 *   expiry is read again, so that the database decides.
 * - Every write, touch, tag and destroy of this process forgets the
 *   session after it ran, and so does `forgetAccount` (the sessions the
 *   account is tagged with) after deletes by account; a read that began
 *   before is not remembered (the cache's generation). Another process's
 *   change applies here once the row is older than the TTL.
 * - A session this request found in the store (remembered or read) is
 *   written and tagged with an UPDATE only: the package's upsert would put a
 *   session back that another process deleted in between (a sign-out, a
 *   password change, a disabled account) with the data read before.
 *   A new or regenerated id is the package's upsert.
 */
export function rememberedSessions(
  /** The package's database store (it tags). */
  store: ConfigProvider<SessionStoreFactory>,
  tableName: string
): ConfigProvider<SessionStoreFactory> {
  const sessions = new PreparedSelect<'by id'>((_shape, slot) =>
    db.from(tableName).where('id', slot('id')).select('data', 'expires_at', 'user_id')
  )
  return configProvider.create(async (app) => {
    const makeStore = await store.resolver(app)
    return (ctx, config) => {
      const made = makeStore(ctx, config) as SessionStoreWithTaggingContract
      const { write, touch, destroy, tag, untag } = made
      // The session this request's store found (a request reads one), which it may only update.
      let found: string | undefined

      // Forgotten after the change ran, so that no read from before it is kept.
      const forgottenAfter = async (sessionId: string, change: () => unknown) => {
        try {
          await change()
        } finally {
          forgetSessions([sessionId])
        }
      }
      const rows = () => db.from(tableName)
      const expiresAt = () => new Date(Date.now() + string.seconds.parse(config.age) * 1000)

      made.read = async (sessionId) => {
        const remembered = sessionRows.get(sessionId)
        if (remembered && Date.now() <= remembered.expiresAt) {
          found = sessionId
          return verified(remembered, sessionId)
        }
        const generation = sessionRows.generation
        const [row] = await sessions.rows('by id', { id: sessionId })
        if (!row) {
          return null
        }
        const read: SessionRow = {
          data: row.data as string,
          expiresAt: new Date(row.expires_at as string | Date).getTime(),
        }
        if (Date.now() > read.expiresAt) {
          await made.destroy(sessionId)
          return null
        }
        found = sessionId
        sessionRows.store(sessionId, row.user_id as string | null, read, generation)
        return verified(read, sessionId)
      }

      // When the row is gone (deleted since the read), nothing is written: the session stays ended.
      made.write = (sessionId, values) =>
        forgottenAfter(sessionId, () =>
          found === sessionId
            ? rows()
                .where('id', sessionId)
                .update({
                  data: new MessageBuilder().build(values, undefined, sessionId),
                  expires_at: expiresAt(),
                })
            : write.call(made, sessionId, values)
        )
      made.tag = (sessionId, userId) =>
        forgottenAfter(sessionId, () =>
          found === sessionId
            ? rows()
                .where('id', sessionId)
                .update({ user_id: String(userId) })
            : tag.call(made, sessionId, userId)
        )
      made.untag = (sessionId, userId) =>
        forgottenAfter(sessionId, () => untag.call(made, sessionId, userId))
      made.touch = (sessionId) => forgottenAfter(sessionId, () => touch.call(made, sessionId))
      made.destroy = (sessionId) => {
        if (found === sessionId) {
          found = undefined
        }
        return forgottenAfter(sessionId, () => destroy.call(made, sessionId))
      }
      return made
    }
  })
}
