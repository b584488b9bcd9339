import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * SQLite: the versions of the searched words that migration 0114 keeps on MySQL/MariaDB
 * (`experiment_counts.words_version`, ADR 12), so that a SQLite portal too remembers a
 * search's exact total and counts it again only after a write that changes what a search
 * finds (issue 16, stop 31: counting a prefix of common words, "in", cost 1.6 ms of the
 * portal's own thread on every request). Triggers set the version of the sources a write
 * touches to `random()` (64 random bits: a rolled-back write's version is, in practice,
 * never drawn again). SQLite does not promise an order among triggers of one event, so the
 * version triggers write the count row as an upsert: whichever of migration 0100's count
 * triggers and these runs first creates a new source's row, the row ends with a fresh
 * version and the right count. MySQL/MariaDB: nothing (migration 0114).
 */
export default class extends BaseSchema {
  protected tableName = 'experiment_counts'

  async up() {
    if (!this.db.dialect.name.includes('sqlite')) {
      return
    }
    this.schema.alterTable(this.tableName, (table) => {
      table.bigInteger('words_version').notNullable().defaultTo(0)
    })
    this.defer(async (db) => {
      for (const statement of TRIGGERS) {
        await db.rawQuery(statement)
      }
      await db.rawQuery(`UPDATE experiment_counts SET words_version = random()`)
    })
  }

  async down() {
    if (!this.db.dialect.name.includes('sqlite')) {
      return
    }
    this.defer(async (db) => {
      for (const trigger of ['insert', 'delete', 'update']) {
        await db.rawQuery(`DROP TRIGGER IF EXISTS experiment_words_version_${trigger}`)
      }
    })
    this.schema.alterTable(this.tableName, (table) => {
      table.dropColumn('words_version')
    })
  }
}

/** A fresh version for a source, its count row created (with no experiment) when missing. */
const NEW_VERSION = (source: 'new' | 'old') =>
  `INSERT INTO experiment_counts (source, total, words_version) ` +
  `VALUES (${source}.source, 0, random()) ` +
  `ON CONFLICT (source) DO UPDATE SET words_version = random();`

const TRIGGERS = [
  `CREATE TRIGGER experiment_words_version_insert AFTER INSERT ON experiments BEGIN ` +
    `${NEW_VERSION('new')} END`,
  `CREATE TRIGGER experiment_words_version_delete AFTER DELETE ON experiments BEGIN ` +
    `${NEW_VERSION('old')} END`,
  // The columns of the words (migration 0080's FTS5 triggers read the same three) and the
  // source (a filter); an update that leaves them as they were changes no search.
  `CREATE TRIGGER experiment_words_version_update ` +
    `AFTER UPDATE OF proposal_id, title, instrument, source ON experiments ` +
    `WHEN NOT (new.proposal_id IS old.proposal_id AND new.title IS old.title ` +
    `AND new.instrument IS old.instrument AND new.source IS old.source) BEGIN ` +
    `${NEW_VERSION('new')} ${NEW_VERSION('old')} END`,
]
