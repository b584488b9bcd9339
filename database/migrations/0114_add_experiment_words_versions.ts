import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * MySQL/MariaDB: a version of the searched words per source, kept by the
 * database beside that source's count (`experiment_counts.words_version`,
 * migration 0100): every write that changes which experiments a search finds
 * (an insert, a delete, a change of proposal id, title, instrument or
 * source) sets the version of the sources it touches to a value never used
 * before (`UUID_SHORT()`, so that a rolled-back write's version is not
 * handed out again). A portal process remembers a search's exact total with
 * the versions it was counted under and counts again when they differ
 * (ADR 12). The triggers run in the writer's transaction, as ADR 10's
 * counts do, and lock the same count row (title changes now too). The
 * operators' rebuild of the words table sets every version. SQLite counts
 * from its FTS5 vocabulary (migration 0112) and needs nothing here.
 */
export default class extends BaseSchema {
  protected tableName = 'experiment_counts'

  async up() {
    if (this.db.dialect.name.includes('sqlite')) {
      return
    }
    this.schema.alterTable(this.tableName, (table) => {
      table.bigInteger('words_version').unsigned().notNullable().defaultTo(0)
    })
    this.defer(async (db) => {
      for (const statement of TRIGGERS) {
        await db.rawQuery(statement)
      }
      await db.rawQuery('DROP PROCEDURE IF EXISTS experiment_words_rebuild')
      await db.rawQuery(rebuildProcedure(true))
      // Totals remembered by a process still serving during the upgrade were counted under 0.
      await db.rawQuery(`UPDATE experiment_counts SET words_version = UUID_SHORT()`)
    })
  }

  async down() {
    if (this.db.dialect.name.includes('sqlite')) {
      return
    }
    this.defer(async (db) => {
      for (const trigger of ['insert', 'delete', 'update']) {
        await db.rawQuery(`DROP TRIGGER IF EXISTS experiment_words_version_${trigger}`)
      }
      await db.rawQuery('DROP PROCEDURE IF EXISTS experiment_words_rebuild')
      await db.rawQuery(rebuildProcedure(false))
    })
    this.schema.alterTable(this.tableName, (table) => {
      table.dropColumn('words_version')
    })
  }
}

const NEW_VERSION = `SET words_version = UUID_SHORT()`

// After migration 0100's triggers (FOLLOWS), so that an inserted experiment's count row exists.
const TRIGGERS = [
  `CREATE TRIGGER experiment_words_version_insert AFTER INSERT ON experiments FOR EACH ROW ` +
    `FOLLOWS experiment_counts_insert ` +
    `UPDATE experiment_counts ${NEW_VERSION} WHERE source = NEW.source`,
  `CREATE TRIGGER experiment_words_version_delete AFTER DELETE ON experiments FOR EACH ROW ` +
    `FOLLOWS experiment_counts_delete ` +
    `UPDATE experiment_counts ${NEW_VERSION} WHERE source = OLD.source`,
  // The same test as migration 0110's words trigger, plus a change of source (a filter).
  `CREATE TRIGGER experiment_words_version_update AFTER UPDATE ON experiments FOR EACH ROW ` +
    `FOLLOWS experiment_counts_update ` +
    `BEGIN IF NOT (NEW.proposal_id <=> OLD.proposal_id AND NEW.title <=> OLD.title ` +
    `AND NEW.instrument <=> OLD.instrument AND NEW.source <=> OLD.source) THEN ` +
    `UPDATE experiment_counts ${NEW_VERSION} WHERE source IN (NEW.source, OLD.source); ` +
    `END IF; END`,
]

/** Migration 0110's procedure, and (`versioned`) the new versions once every word is written. */
function rebuildProcedure(versioned: boolean) {
  return (
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
    (versioned ? `UPDATE experiment_counts ${NEW_VERSION}; ` : '') +
    `END`
  )
}
