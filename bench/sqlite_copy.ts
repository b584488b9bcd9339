/*
 * The seeded facility on SQLite: a fresh SQLite file migrated by the
 * project's own migrations (`node ace migration:run`), then every table's
 * rows copied from the MariaDB bench database (same columns), so that a
 * benchmark can run the portal on SQLite against the same data
 * (`BENCH_DB=sqlite npm run bench -- http_load`). The FTS5 search index
 * of migration 0080 fills itself through its triggers as the experiments
 * are copied.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import Database from 'better-sqlite3'
import type { Connection } from 'mysql2/promise'

const APP_ROOT = fileURLToPath(new URL('../', import.meta.url))
const BATCH_ROWS = 5000

// As the portal stores timestamps on SQLite (UTC text, providers/sql_time_provider.ts).
function sqliteValue(value: unknown) {
  if (value instanceof Date) {
    return value.toISOString().replace('T', ' ').replace('Z', '')
  }
  if (typeof value === 'boolean') {
    return value ? 1 : 0
  }
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    return JSON.stringify(value)
  }
  return value
}

/** Migrates a new SQLite file and copies the bench database into it; returns its path. */
export async function copyFacilityToSqlite(mysql: Connection) {
  const folder = await mkdtemp(join(tmpdir(), 'portal-bench-sqlite-'))
  const file = join(folder, 'portal.sqlite')
  const begin = performance.now()
  await promisify(execFile)(process.execPath, ['ace.js', 'migration:run', '--force'], {
    cwd: APP_ROOT,
    env: { ...process.env, DB_CONNECTION: 'sqlite', DB_SQLITE_FILE: file },
  })
  const sqlite = new Database(file)
  sqlite.pragma('foreign_keys = OFF')
  sqlite.pragma('journal_mode = WAL')
  const tables = sqlite
    .prepare(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ` +
        `AND name NOT LIKE 'adonis_schema%' AND name NOT LIKE 'experiments_search%'`
    )
    .all() as { name: string }[]
  const rows: Record<string, number> = {}
  for (const { name } of tables) {
    const columns = (
      sqlite.prepare(`PRAGMA table_info("${name}")`).all() as { name: string }[]
    ).map((column) => column.name)
    const [present] = (await mysql.query(
      `SELECT COUNT(*) AS found FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?`,
      [name]
    )) as any
    if (!present[0].found) {
      continue
    }
    const insert = sqlite.prepare(
      `INSERT INTO "${name}" (${columns.map((column) => `"${column}"`).join(', ')}) ` +
        `VALUES (${columns.map(() => '?').join(', ')})`
    )
    sqlite.prepare(`DELETE FROM "${name}"`).run()
    rows[name] = 0
    for (let offset = 0; ; offset += BATCH_ROWS) {
      const [batch] = (await mysql.query(
        `SELECT ${columns.map((column) => `\`${column}\``).join(', ')} FROM \`${name}\` ` +
          `ORDER BY 1 LIMIT ${BATCH_ROWS} OFFSET ${offset}`
      )) as any
      sqlite.transaction(() => {
        for (const row of batch as Record<string, unknown>[]) {
          insert.run(columns.map((column) => sqliteValue(row[column])))
        }
      })()
      rows[name] += batch.length
      if (batch.length < BATCH_ROWS) {
        break
      }
    }
  }
  sqlite.pragma('optimize')
  sqlite.close()
  return {
    file,
    rows,
    seconds: (performance.now() - begin) / 1000,
    remove: () => rm(folder, { recursive: true, force: true }),
  }
}

/**
 * With BENCH_DB=sqlite, the SQLite copy a bench's portal runs on (printed);
 * otherwise null and the portal runs on the seeded MariaDB database.
 */
export async function sqliteCopyWhenAsked(mysql: Connection) {
  if (process.env.BENCH_DB !== 'sqlite') {
    return null
  }
  const copy = await copyFacilityToSqlite(mysql)
  console.log(
    `SQLite copy of the facility: ${copy.seconds.toFixed(1)} s (migrations and ` +
      `${copy.rows.experiments} experiments)`
  )
  return copy
}
