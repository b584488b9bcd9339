import { BaseCheck } from '@adonisjs/core/health'
import { DbCheck } from '@adonisjs/lucid/database'
import db from '@adonisjs/lucid/services/db'

/**
 * Lucid's database check, with the connection looked up at each run
 * rather than once at boot: a client captured at boot bypasses whatever
 * the connection manager hands out later (the tests' global transaction),
 * and on SQLite, whose pool has a single connection, it would wait for
 * that one connection to be released.
 */
export class DatabaseCheck extends BaseCheck {
  name = 'database'

  run() {
    return new DbCheck(db.connection()).run()
  }
}
