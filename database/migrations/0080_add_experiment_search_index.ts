import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * A full-text index over what the admins' experiment search reads: proposal
 * id, title and instrument (ADR 9). MySQL/MariaDB: an InnoDB FULLTEXT index,
 * built with the stop-word list off so that "the" or "about" in a title can
 * be searched for (the setting is taken when the index is built and kept
 * with it). SQLite: an FTS5 table over the experiments rows (external
 * content, kept current by triggers), with prefix indexes for the short
 * word prefixes a search is made of.
 */
export default class extends BaseSchema {
  async up() {
    if (this.db.dialect.name.includes('sqlite')) {
      this.defer(async (db) => {
        await db.rawQuery(
          `CREATE VIRTUAL TABLE experiments_search USING fts5(` +
            `proposal_id, title, instrument, content='experiments', content_rowid='id', ` +
            `tokenize='unicode61 remove_diacritics 2', prefix='1 2 3')`
        )
        await db.rawQuery(`INSERT INTO experiments_search(experiments_search) VALUES ('rebuild')`)
        await db.rawQuery(
          `CREATE TRIGGER experiments_search_insert AFTER INSERT ON experiments BEGIN ` +
            `INSERT INTO experiments_search(rowid, proposal_id, title, instrument) ` +
            `VALUES (new.id, new.proposal_id, new.title, new.instrument); END`
        )
        await db.rawQuery(
          `CREATE TRIGGER experiments_search_delete AFTER DELETE ON experiments BEGIN ` +
            `INSERT INTO experiments_search(experiments_search, rowid, proposal_id, title, instrument) ` +
            `VALUES ('delete', old.id, old.proposal_id, old.title, old.instrument); END`
        )
        await db.rawQuery(
          `CREATE TRIGGER experiments_search_update AFTER UPDATE OF proposal_id, title, instrument ` +
            `ON experiments BEGIN ` +
            `INSERT INTO experiments_search(experiments_search, rowid, proposal_id, title, instrument) ` +
            `VALUES ('delete', old.id, old.proposal_id, old.title, old.instrument); ` +
            `INSERT INTO experiments_search(rowid, proposal_id, title, instrument) ` +
            `VALUES (new.id, new.proposal_id, new.title, new.instrument); END`
        )
      })
      return
    }
    this.defer(async (db) => {
      // Same connection as the ALTER (the migration's transaction): a session setting.
      await db.rawQuery('SET SESSION innodb_ft_enable_stopword = 0')
      await db.rawQuery(
        'ALTER TABLE experiments ADD FULLTEXT INDEX experiments_search_index (proposal_id, title, instrument)'
      )
    })
  }

  async down() {
    if (this.db.dialect.name.includes('sqlite')) {
      this.defer(async (db) => {
        for (const trigger of ['insert', 'delete', 'update']) {
          await db.rawQuery(`DROP TRIGGER IF EXISTS experiments_search_${trigger}`)
        }
        await db.rawQuery('DROP TABLE IF EXISTS experiments_search')
      })
      return
    }
    this.schema.alterTable('experiments', (table) => {
      table.dropIndex([], 'experiments_search_index')
    })
  }
}
