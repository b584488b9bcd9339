import db from '@adonisjs/lucid/services/db'

/**
 * The plan the database would run a statement with, as text: SQLite's
 * `EXPLAIN QUERY PLAN` details, one a line, or MySQL's `EXPLAIN` as
 * "<table> <access type> <key>" lines, for tests that a list runs on its
 * indexes.
 */
export async function queryPlan({ sql, bindings }: { sql: string; bindings: readonly unknown[] }) {
  if (db.connection().dialect.name.includes('sqlite')) {
    const rows = await db.rawQuery(`EXPLAIN QUERY PLAN ${sql}`, bindings as any[])
    return (rows as { detail: string }[]).map((row) => row.detail).join('\n')
  }
  const [rows] = await db.rawQuery(`EXPLAIN ${sql}`, bindings as any[])
  return (rows as { table: string; type: string; key: string | null }[])
    .map((row) => `${row.table} ${row.type} ${row.key}`)
    .join('\n')
}
