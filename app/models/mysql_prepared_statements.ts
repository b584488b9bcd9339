/**
 * What knex passes to mysql2's `connection.query` as options: marked, a statement runs as a
 * server-side prepared statement (`connection.execute`) instead.
 */
export const SERVER_PREPARED = { serverPrepared: true } as const

/**
 * How many prepared statements a connection keeps (mysql2's `maxPreparedStatements`, least
 * recently used closed first). Only the marked statements are prepared: PreparedSelect's,
 * one per shape (a few dozen in steady use). With DB_POOL_MAX connections a portal process
 * holds at most DB_POOL_MAX × this many on the server, against MariaDB's
 * `max_prepared_stmt_count` (16,382 by default) for all its clients together.
 */
export const KEPT_PREPARED_STATEMENTS = 100

type Arguments = [options: unknown, ...rest: unknown[]]

/** What of a mysql2 connection knex and this wrapper use. */
type ExecutingConnection = {
  query(...args: Arguments): unknown
  execute(...args: Arguments): unknown
}

function isMarked(options: unknown) {
  return typeof options === 'object' && options !== null && 'serverPrepared' in options
}

/**
 * Runs the statements marked SERVER_PREPARED on a mysql2 connection as server-side prepared
 * statements: mysql2 prepares each SQL text once per connection and keeps it, then sends only
 * the values (binary protocol), so MariaDB no longer parses and plans the text on every
 * request (a fifth to a third of a list statement's CPU, docs/benchmarks.md, issue 16 stop
 * 27). knex still runs the statement (`client.query`: the `query` event, the SQL in a
 * failure's message, a transaction's own connection); everything unmarked goes on as text.
 *
 * The binary protocol reads rows as the text one does (dates, BIGINT, DECIMAL as text,
 * TINYINT, JSON, NULL; tests/functional/prepared_select.spec.ts) except FLOAT, which comes
 * back as the float32 it is stored as (0.1 → 0.10000000149011612): no prepared select reads
 * one. Values are sent typed: numbers as DOUBLE, booleans as TINYINT, strings as text.
 */
export function executeMarkedStatements(connection: ExecutingConnection) {
  const query = connection.query.bind(connection)
  const execute = connection.execute.bind(connection)
  connection.query = (...args: Arguments) => (isMarked(args[0]) ? execute(...args) : query(...args))
}
