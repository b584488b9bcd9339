import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * SQLite: the words of the experiments' FTS5 index (migration 0080) as a
 * table (`fts5vocab`, one row per word with the number of experiments that
 * hold it; it stores nothing itself). The admins' search reads the words a
 * search word starts: when that is one word, the search reads the word
 * itself instead of every word with that prefix, and a one-word search
 * takes its total from it (ADR 11). MySQL/MariaDB read `experiment_words`
 * (migration 0110) and need nothing here.
 */
export default class extends BaseSchema {
  async up() {
    if (!this.db.dialect.name.includes('sqlite')) {
      return
    }
    this.defer(async (db) => {
      await db.rawQuery(
        `CREATE VIRTUAL TABLE experiments_search_vocabulary USING fts5vocab(experiments_search, 'row')`
      )
    })
  }

  async down() {
    if (!this.db.dialect.name.includes('sqlite')) {
      return
    }
    this.defer(async (db) => {
      await db.rawQuery('DROP TABLE IF EXISTS experiments_search_vocabulary')
    })
  }
}
