import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * MySQL/MariaDB: the words of every experiment's proposal id, title and
 * instrument, one row per (word, experiment), kept by the database's own
 * triggers (ADR 11). The admins' search reads a range of this table's primary
 * key (`word LIKE 'perov%'`) instead of the InnoDB FULLTEXT index, which hands
 * out its matches unordered and had to look every one of them up to sort and
 * count them. A word is a run of letters and digits, lower-cased, as
 * `searchWords` cuts a search; the column's collation (the experiments' own)
 * ignores case and accents when a search compares. Removing an experiment
 * removes its words by the foreign key. SQLite keeps its FTS5 table
 * (migration 0080): its triggers cannot cut text into words, and FTS5 already
 * hands out its matches in id order.
 */
export default class extends BaseSchema {
  protected tableName = 'experiment_words'

  async up() {
    if (this.db.dialect.name.includes('sqlite')) {
      return
    }
    this.schema.createTable(this.tableName, (table) => {
      table.string('word', WORD_LENGTH).notNullable()
      table
        .integer('experiment_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('experiments')
        .onDelete('CASCADE')
      table.primary(['word', 'experiment_id'])
      // A second word of a search is checked per candidate experiment.
      table.index(['experiment_id', 'word'], 'experiment_words_experiment_word_index')
    })
    this.defer(async (db) => {
      for (const statement of [INDEX_PROCEDURE, ...TRIGGERS]) {
        await db.rawQuery(statement)
      }
      // After the triggers, so that no experiment written meanwhile is missed (the words of
      // one indexed twice are ignored as duplicates). Kept for operators (docs/operations.md).
      await db.rawQuery(REBUILD_PROCEDURE)
      await db.rawQuery('CALL experiment_words_rebuild()')
    })
  }

  async down() {
    if (this.db.dialect.name.includes('sqlite')) {
      return
    }
    this.defer(async (db) => {
      for (const trigger of ['insert', 'update']) {
        await db.rawQuery(`DROP TRIGGER IF EXISTS experiment_words_${trigger}`)
      }
      await db.rawQuery('DROP PROCEDURE IF EXISTS experiment_words_rebuild')
      await db.rawQuery('DROP PROCEDURE IF EXISTS experiment_words_index')
    })
    this.schema.dropTable(this.tableName)
  }
}

/**
 * Longer words are kept (and searched) by their first this many characters: the application's
 * EXPERIMENT_WORD_LENGTH (app/models/experiment_search.ts), which cuts a search's words to
 * match. Written out, not imported: a migration must build what it built when it ran.
 */
const WORD_LENGTH = 100

/** Letters and digits, as `searchWords` (app/domain/search_words.ts) reads a search. */
const WORD = String.raw`'[\\p{L}\\p{N}]+'`

const INDEX_PROCEDURE =
  `CREATE PROCEDURE experiment_words_index(IN experiment INT UNSIGNED, IN record TEXT) ` +
  `BEGIN ` +
  `DECLARE rest TEXT DEFAULT record; ` +
  `DECLARE found TEXT; ` +
  `words: LOOP ` +
  `SET found = REGEXP_SUBSTR(rest, ${WORD}); ` +
  `IF found IS NULL OR found = '' THEN LEAVE words; END IF; ` +
  `INSERT IGNORE INTO experiment_words (word, experiment_id) ` +
  `VALUES (LEFT(LOWER(found), ${WORD_LENGTH}), experiment); ` +
  `SET rest = SUBSTRING(rest, REGEXP_INSTR(rest, ${WORD}) + CHAR_LENGTH(found)); ` +
  `END LOOP; ` +
  `END`

const RECORD = (row: 'NEW' | 'OLD') =>
  `CONCAT_WS(' ', ${row}.proposal_id, ${row}.title, ${row}.instrument)`

// Other updates (sync times, abstracts, the source) leave the words alone; so does a
// change of case or accents only, which the column's collation does not tell apart.
const TRIGGERS = [
  `CREATE TRIGGER experiment_words_insert AFTER INSERT ON experiments FOR EACH ROW ` +
    `CALL experiment_words_index(NEW.id, ${RECORD('NEW')})`,
  `CREATE TRIGGER experiment_words_update AFTER UPDATE ON experiments FOR EACH ROW ` +
    `BEGIN IF NOT (NEW.proposal_id <=> OLD.proposal_id AND NEW.title <=> OLD.title ` +
    `AND NEW.instrument <=> OLD.instrument) THEN ` +
    `DELETE FROM experiment_words WHERE experiment_id = NEW.id; ` +
    `CALL experiment_words_index(NEW.id, ${RECORD('NEW')}); ` +
    `END IF; END`,
]

/** Every experiment's words afresh (the migration's fill; an operator's repair). */
const REBUILD_PROCEDURE =
  `CREATE PROCEDURE experiment_words_rebuild() ` +
  `BEGIN ` +
  `DECLARE done INT DEFAULT 0; ` +
  `DECLARE experiment INT UNSIGNED; ` +
  `DECLARE record TEXT; ` +
  `DECLARE rows_left CURSOR FOR ` +
  `SELECT id, CONCAT_WS(' ', proposal_id, title, instrument) FROM experiments; ` +
  `DECLARE CONTINUE HANDLER FOR NOT FOUND SET done = 1; ` +
  `DELETE FROM experiment_words; ` +
  `OPEN rows_left; ` +
  `each_row: LOOP ` +
  `FETCH rows_left INTO experiment, record; ` +
  `IF done THEN LEAVE each_row; END IF; ` +
  `CALL experiment_words_index(experiment, record); ` +
  `END LOOP; ` +
  `CLOSE rows_left; ` +
  `END`
