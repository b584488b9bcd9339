import { toSqlTimestamp } from '#models/millisecond_timestamp'
// knex's own client for better-sqlite3, the class Lucid instantiates for SQLite.
// @ts-expect-error knex ships no types for its dialect modules
import BetterSqlite3Client from 'knex/lib/dialects/better-sqlite3/index.js'

type FormatBindings = (this: unknown, bindings: unknown[] | undefined) => unknown[]

let bindingsPatched = false

/**
 * One way of writing points in time, correct on both dialects whichever
 * code path writes them (models, query builders, raw SQL, the session and
 * limiter stores): UTC wall time as SQL text.
 *
 * - The process runs in UTC. Lucid formats and parses DateTime columns in
 *   the process zone, and libraries parse zone-less SQL text with
 *   `new Date(text)` (the session store does); on a server set to a local
 *   zone both would shift every stored instant by the zone's offset.
 *   MySQL's driver converts JS dates itself (`timezone: 'Z'`).
 * - A JS `Date` bound on SQLite is written as the UTC text with
 *   milliseconds of `toSqlTimestamp`. knex's better-sqlite3 client binds
 *   it as epoch milliseconds, an integer that Lucid cannot read back
 *   (E_INVALID_DATE_COLUMN_VALUE) and that never compares with the text
 *   everything else stores.
 */
export function installSqlTimeConventions() {
  process.env.TZ = 'UTC'
  if (bindingsPatched) {
    return
  }
  bindingsPatched = true
  const prototype = BetterSqlite3Client.prototype as { _formatBindings: FormatBindings }
  const formatBindings = prototype._formatBindings
  prototype._formatBindings = function (bindings) {
    return formatBindings.call(
      this,
      bindings?.map((binding) => (binding instanceof Date ? toSqlTimestamp(binding) : binding))
    )
  }
}

export default class SqlTimeProvider {
  register() {
    installSqlTimeConventions()
  }
}
