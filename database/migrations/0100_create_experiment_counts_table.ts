import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * How many experiments there are of each source, kept by the database itself
 * (ADR 10): the admins' list answers its total from this small table instead
 * of counting 100,000 rows on every page. Triggers keep it current for every
 * writer (admin API, CSV import, User Office sync, tests' factories) inside
 * the writer's own transaction, so a rolled-back insert is never counted.
 * MySQL/MariaDB with binary logging on: creating a trigger needs SUPER (or
 * `log_bin_trust_function_creators`), see docs/configuration.md.
 */
export default class extends BaseSchema {
  protected tableName = 'experiment_counts'

  async up() {
    this.schema.createTable(this.tableName, (table) => {
      table.string('source', 16).primary()
      table.bigInteger('total').notNullable().defaultTo(0)
    })
    const sqlite = this.db.dialect.name.includes('sqlite')
    this.defer(async (db) => {
      for (const statement of sqlite ? SQLITE_TRIGGERS : MYSQL_TRIGGERS) {
        await db.rawQuery(statement)
      }
      // After the triggers, so that no row written meanwhile is missed. On MySQL/MariaDB a
      // portal still serving during the upgrade may insert one between the two: the counting
      // read waits for its commit and its trigger's row is replaced by the exact count.
      await db.rawQuery(
        `INSERT INTO experiment_counts (source, total) ` +
          `SELECT source, count(*) FROM experiments GROUP BY source` +
          (sqlite ? '' : ` ON DUPLICATE KEY UPDATE total = VALUES(total)`)
      )
    })
  }

  async down() {
    this.defer(async (db) => {
      for (const trigger of ['insert', 'delete', 'update']) {
        await db.rawQuery(`DROP TRIGGER IF EXISTS experiment_counts_${trigger}`)
      }
    })
    this.schema.dropTable(this.tableName)
  }
}

// An update touches the counts only when it moves an experiment to another
// source (the User Office sync taking over a local one): title changes do not
// lock the count rows.
const MYSQL_TRIGGERS = [
  `CREATE TRIGGER experiment_counts_insert AFTER INSERT ON experiments FOR EACH ROW ` +
    `INSERT INTO experiment_counts (source, total) VALUES (NEW.source, 1) ` +
    `ON DUPLICATE KEY UPDATE total = total + 1`,
  `CREATE TRIGGER experiment_counts_delete AFTER DELETE ON experiments FOR EACH ROW ` +
    `UPDATE experiment_counts SET total = total - 1 WHERE source = OLD.source`,
  `CREATE TRIGGER experiment_counts_update AFTER UPDATE ON experiments FOR EACH ROW ` +
    `BEGIN IF NEW.source <> OLD.source THEN ` +
    `INSERT INTO experiment_counts (source, total) VALUES (NEW.source, 1) ` +
    `ON DUPLICATE KEY UPDATE total = total + 1; ` +
    `UPDATE experiment_counts SET total = total - 1 WHERE source = OLD.source; ` +
    `END IF; END`,
]

const SQLITE_TRIGGERS = [
  `CREATE TRIGGER experiment_counts_insert AFTER INSERT ON experiments BEGIN ` +
    `INSERT INTO experiment_counts (source, total) VALUES (new.source, 1) ` +
    `ON CONFLICT (source) DO UPDATE SET total = total + 1; END`,
  `CREATE TRIGGER experiment_counts_delete AFTER DELETE ON experiments BEGIN ` +
    `UPDATE experiment_counts SET total = total - 1 WHERE source = old.source; END`,
  `CREATE TRIGGER experiment_counts_update AFTER UPDATE OF source ON experiments ` +
    `WHEN new.source <> old.source BEGIN ` +
    `INSERT INTO experiment_counts (source, total) VALUES (new.source, 1) ` +
    `ON CONFLICT (source) DO UPDATE SET total = total + 1; ` +
    `UPDATE experiment_counts SET total = total - 1 WHERE source = old.source; END`,
]
