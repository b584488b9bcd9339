import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * SQLite only: earlier versions bound JS dates as epoch milliseconds, so
 * some timestamp columns (experiments_synced_at, updated_at of
 * environments, session and token expiry) hold integers that Lucid cannot
 * read and that never compare with the UTC text everything else stores.
 * Rewrites them as that text (providers/sql_time_provider.ts). MySQL
 * stored real DATETIMEs all along: nothing to do there.
 */
export default class extends BaseSchema {
  async up() {
    if (!this.db.dialect.name.includes('sqlite')) {
      return
    }
    this.defer(async (db) => {
      const tables = await db
        .from('sqlite_master')
        .where('type', 'table')
        .whereNot('name', 'like', 'sqlite_%')
        .whereNot('name', 'like', 'adonis_schema%')
        .select('name')
      for (const { name: table } of tables as { name: string }[]) {
        const columns = (await db.rawQuery(`PRAGMA table_info(${quote(table)})`)) as {
          name: string
          type: string
        }[]
        for (const { name: column } of columns.filter(isTimestampColumn)) {
          await db.rawQuery(
            `UPDATE ${quote(table)} SET ${quote(column)} = ` +
              `strftime('%Y-%m-%d %H:%M:%f', ${quote(column)} / 1000.0, 'unixepoch') ` +
              `WHERE typeof(${quote(column)}) IN ('integer', 'real')`
          )
        }
      }
    })
  }

  async down() {}
}

function isTimestampColumn(column: { type: string }) {
  return /date|time/i.test(column.type)
}

function quote(identifier: string) {
  return `"${identifier.replaceAll('"', '""')}"`
}
