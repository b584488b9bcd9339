import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import accessConfig from '#config/access'
import type Environment from '#models/environment'
import type { ActivitySource } from '#services/activity/activity_source'
import { GUACAMOLE_CONNECTION } from '#services/access/guacamole_db_broker'
import { environmentIdOf, guacamoleNamePrefix } from '#services/access/guacamole_connection'
import { observeCall } from '#services/metrics/outside_calls'

/**
 * Guacamole's own connection history (`guacamole_connection_history`, JDBC
 * schema 1.x): a row per session, `end_date` NULL while it is open. Rows
 * keep the connection's name when the portal removes the connection, so
 * the name (`<instance>-env-<id>-…`) identifies the environment. An open
 * session is use now; a closed one, its end. Dates are read as UTC (the
 * connection's `timezone: 'Z'`): Guacamole writes its JVM's local time, so
 * run Guacamole with TZ=UTC. Only the "guacamole-db" broker has a history.
 */
export default class GuacamoleHistorySource implements ActivitySource {
  readonly name = 'guacamole'

  async lastActivity(environments: Environment[]) {
    const found = new Map<number, DateTime>()
    const remote = environments.filter((environment) => environment.image?.protocol !== 'http')
    if (accessConfig.broker !== 'guacamole-db' || remote.length === 0) {
      return found
    }
    const wanted = new Set(remote.map((environment) => environment.id))
    const oldest = DateTime.min(...remote.map((environment) => environment.createdAt))!
    const prefix = guacamoleNamePrefix().replace(/[\\%_]/g, (character) => `\\${character}`)
    const rows = (await observeCall('guacamole_db', 'connection_history', () =>
      db
        .connection(GUACAMOLE_CONNECTION)
        .from('guacamole_connection_history')
        .where('connection_name', 'like', `${prefix}%`)
        .where((query) => query.whereNull('end_date').orWhere('end_date', '>=', oldest.toJSDate()))
        .groupBy('connection_name')
        .select('connection_name')
        .max('start_date as lastStart')
        .max('end_date as lastEnd')
        .count('* as sessions')
        .count('end_date as ended')
    )) as {
      connection_name: string
      lastStart: Date | null
      lastEnd: Date | null
      sessions: number | string
      ended: number | string
    }[]
    const now = DateTime.utc()
    for (const row of rows) {
      const id = environmentIdOf(row.connection_name)
      if (id === null || !wanted.has(id)) {
        continue
      }
      const open = Number(row.sessions) > Number(row.ended)
      const seen = open
        ? now
        : DateTime.max(
            ...[row.lastStart, row.lastEnd]
              .filter((value): value is Date => value !== null)
              .map((value) => DateTime.fromJSDate(value, { zone: 'utc' }))
          )!
      const previous = found.get(id)
      found.set(id, previous ? DateTime.max(previous, seen)! : seen)
    }
    return found
  }
}
