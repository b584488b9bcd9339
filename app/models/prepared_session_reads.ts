import { configProvider } from '@adonisjs/core'
import { MessageBuilder } from '@adonisjs/core/helpers'
import type { ConfigProvider } from '@adonisjs/core/types'
import type { SessionStoreFactory } from '@adonisjs/session/types'
import db from '@adonisjs/lucid/services/db'
import { PreparedSelect } from '#models/prepared_select'

/**
 * A database session store whose read, the one statement of every request
 * of a signed-in browser, is a PreparedSelect: the package's read builds
 * `where('id', …).first()` with the query builder on every request, and its
 * `LIMIT ?` made SQLite parse and plan the statement again on every run
 * (app/models/sqlite_statements.ts). The same row, by primary key, without
 * the LIMIT; the same answer as the package's read (the store of
 * @adonisjs/session 8): an expired session is destroyed and reads as none,
 * data that does not verify for this session id reads as none. Writes,
 * touches and tags are the store's own.
 */
export function preparedSessionReads(
  store: ConfigProvider<SessionStoreFactory>,
  tableName: string
): ConfigProvider<SessionStoreFactory> {
  const sessions = new PreparedSelect<'by id'>((_shape, slot) =>
    db.from(tableName).where('id', slot('id')).select('data', 'expires_at')
  )
  return configProvider.create(async (app) => {
    const makeStore = await store.resolver(app)
    return (ctx, config) => {
      const made = makeStore(ctx, config)
      made.read = async (sessionId) => {
        const [row] = await sessions.rows('by id', { id: sessionId })
        if (!row) {
          return null
        }
        if (Date.now() > new Date(row.expires_at as string | Date).getTime()) {
          await made.destroy(sessionId)
          return null
        }
        try {
          return new MessageBuilder().verify(row.data as string, sessionId)
        } catch {
          return null
        }
      }
      return made
    }
  })
}
