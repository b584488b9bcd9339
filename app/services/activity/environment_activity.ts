import { DateTime } from 'luxon'
import logger from '@adonisjs/core/services/logger'
import Environment from '#models/environment'
import { toSqlTimestamp } from '#models/millisecond_timestamp'
import type { ActivitySource } from '#services/activity/activity_source'
import GuacamoleHistorySource from '#services/activity/guacamole_history_source'
import WebApplicationSource from '#services/activity/web_application_source'

/**
 * `environments.last_activity_at`: the latest use the portal knows of.
 * Its floor is the portal's own events (a start, every access granted:
 * `touch`); the background job raises it from Guacamole's connection
 * history and from what web applications report (`refresh`). It only
 * ever moves forward, so sources that disagree or answer late cannot make
 * an environment look idle.
 */
export default class EnvironmentActivity {
  constructor(
    protected sources: ActivitySource[] = [new GuacamoleHistorySource(), new WebApplicationSource()]
  ) {}

  /** Records use of the environment now (the portal granted access to it). */
  static async touch(environmentId: number, at: Date = new Date()) {
    await Environment.query()
      .where('id', environmentId)
      .where((query) =>
        query.whereNull('last_activity_at').orWhere('last_activity_at', '<', toSqlTimestamp(at))
      )
      .update({ last_activity_at: toSqlTimestamp(at) })
  }

  /**
   * Asks every source about the running environments and moves their
   * `lastActivityAt` forward. A source that fails is logged and skipped.
   * Returns how many environments had newer activity.
   */
  async refresh() {
    const running = await Environment.query().where('state', 'running').preload('image')
    if (running.length === 0) {
      return 0
    }
    const latest = new Map<number, DateTime>()
    for (const source of this.sources) {
      try {
        for (const [id, seen] of await source.lastActivity(running)) {
          const known = latest.get(id)
          latest.set(id, known ? DateTime.max(known, seen) : seen)
        }
      } catch (error) {
        logger.warn(
          { source: source.name, code: (error as { code?: string }).code },
          'reading environment activity failed; trying again next run'
        )
      }
    }
    let updated = 0
    for (const environment of running) {
      const seen = latest.get(environment.id)
      if (seen && (!environment.lastActivityAt || seen > environment.lastActivityAt)) {
        await EnvironmentActivity.touch(environment.id, seen.toJSDate())
        updated++
      }
    }
    return updated
  }
}
