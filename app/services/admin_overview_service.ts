import { DateTime } from 'luxon'
import { inject } from '@adonisjs/core'
import db from '@adonisjs/lucid/services/db'
import environmentsConfig from '#config/environments'
import { toSqlTimestamp } from '#models/millisecond_timestamp'
import {
  ENVIRONMENT_STATES,
  HOLDS_COMPUTE,
  type EnvironmentState,
} from '#domain/environment_states'

export type Resources = { cpuMillicores: number; memoryBytes: number; gpus: number }

export type AdminOverview = {
  environmentsByState: Record<EnvironmentState, number>
  reserved: Resources
  capacity: { cpuMillicores: number | null; memoryBytes: number | null; gpus: number | null }
  activeUsers24h: number
  failures24h: number
}

/**
 * The live picture for the admin dashboard: what runs, what it reserves
 * against the site's capacity, and the last day's sign-ins and failures.
 */
@inject()
export default class AdminOverviewService {
  /** Counts as of `now` (the 24 h figures look back from it). */
  async snapshot(now: DateTime = DateTime.utc()): Promise<AdminOverview> {
    const since = toSqlTimestamp(now.minus({ hours: 24 }))

    const byState: { state: EnvironmentState; total: number | string }[] = await db
      .from('environments')
      .groupBy('state')
      .select('state')
      .count('* as total')
    // Every state is present (0 when none), so dashboards need no defaults.
    const environmentsByState = Object.fromEntries(
      ENVIRONMENT_STATES.map((state) => [state, 0])
    ) as Record<EnvironmentState, number>
    for (const row of byState) {
      environmentsByState[row.state] = Number(row.total)
    }

    const reservedRow = await db
      .from('environments')
      .whereIn('state', HOLDS_COMPUTE)
      .sum('cpu_millicores as cpu')
      .sum('memory_bytes as memory')
      .sum('gpus as gpus')
      .first()

    const activeRow = await db
      .from('audit_events')
      .where('action', 'auth.login')
      .where('outcome', 'success')
      .whereNotNull('actor_id')
      .where('occurred_at', '>=', since)
      .countDistinct('actor_id as total')
      .first()

    const failuresRow = await db
      .from('environment_events')
      .where('state', 'failed')
      .where('occurred_at', '>=', since)
      .count('* as total')
      .first()

    return {
      environmentsByState,
      reserved: {
        cpuMillicores: Number(reservedRow?.cpu ?? 0),
        memoryBytes: Number(reservedRow?.memory ?? 0),
        gpus: Number(reservedRow?.gpus ?? 0),
      },
      capacity: { ...environmentsConfig.capacity },
      activeUsers24h: Number(activeRow?.total ?? 0),
      failures24h: Number(failuresRow?.total ?? 0),
    }
  }
}
