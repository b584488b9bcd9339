import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * MySQL/MariaDB: drops the InnoDB FULLTEXT index of migration 0080. The admins'
 * search reads `experiment_words` since migration 0110 (ADR 11), and the index
 * only cost every experiment write its upkeep (and operators an OPTIMIZE now
 * and then). SQLite keeps its FTS5 table of migration 0080, which its search
 * still reads (with the vocabulary of migration 0112): nothing changes there.
 */
export default class extends BaseSchema {
  async up() {
    if (this.db.dialect.name.includes('sqlite')) {
      return
    }
    // FORCE rebuilds the table: without it InnoDB keeps what the first FULLTEXT index added
    // after the last one is gone (the hidden FTS_DOC_ID column, numbered on every insert, and
    // five FTS_* bookkeeping tables). 0.3 s for 3,000 experiments on MariaDB 10.11.
    this.defer(async (db) => {
      await db.rawQuery('ALTER TABLE experiments DROP INDEX experiments_search_index, FORCE')
    })
  }

  async down() {
    if (this.db.dialect.name.includes('sqlite')) {
      return
    }
    // As migration 0080 built it: the stop-word list off, a session setting taken at build time.
    this.defer(async (db) => {
      await db.rawQuery('SET SESSION innodb_ft_enable_stopword = 0')
      await db.rawQuery(
        'ALTER TABLE experiments ADD FULLTEXT INDEX experiments_search_index (proposal_id, title, instrument)'
      )
    })
  }
}
