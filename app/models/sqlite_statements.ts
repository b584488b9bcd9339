/** What a better-sqlite3 connection offers knex: statements prepared from SQL text. */
type PreparingConnection = { prepare(sql: string): unknown }

/**
 * How many statements a connection keeps: the portal runs a few hundred distinct SQL texts
 * (the prepared lists write one per shape); rarer ones are prepared again when they come back.
 */
const KEPT_STATEMENTS = 500

/**
 * Keeps a SQLite connection's statements by their SQL. knex's better-sqlite3 client prepares
 * every statement it runs (`connection.prepare(sql)`), which compiles the SQL and makes a
 * new row constructor (`new Function`) each time: about an eighth of the server time of the
 * admins' search. A statement can run again with other bindings; knex only runs it to the
 * end (`all`, `run`), never leaves one iterating, and sets nothing on it that the next run
 * would inherit. SQLite prepares a kept statement again itself after a schema change, and
 * better-sqlite3 then reads its columns again.
 */
export function keepSqliteStatements(connection: PreparingConnection, kept = KEPT_STATEMENTS) {
  const prepare = connection.prepare.bind(connection)
  const statements = new Map<string, unknown>()
  connection.prepare = (sql: string) => {
    let statement = statements.get(sql)
    if (statement === undefined) {
      statement = prepare(sql)
      if (statements.size >= kept) {
        // The oldest first: a Map keeps insertion order.
        statements.delete(statements.keys().next().value!)
      }
      statements.set(sql, statement)
    }
    return statement
  }
}

/**
 * `sql` with each of its `count` parameters written `+?` instead of `?`: the same value to
 * SQLite (unary plus changes no value, affinity or collation), and the same plan, but not a
 * bare parameter whose bound value the planner looks at. When it looks (`LIMIT ?`, a
 * `column = ?` beside an ORDER BY, `LIKE ?`), binding new values expires the statement, and
 * better-sqlite3 clears the bindings after every run: so SQLite parsed and planned such a
 * statement again on every run, and better-sqlite3 compiled a new row constructor for it
 * (`new Function`): half of a scientist's list's statement time (docs/benchmarks.md, issue 16,
 * stop 29). SQL whose question marks are not exactly its parameters is left as it is.
 */
export function sqlWithOpaqueParameters(sql: string, count: number) {
  const parts = sql.split('?')
  return parts.length - 1 === count ? parts.join('+?') : sql
}
