import { inject } from '@adonisjs/core'
import db from '@adonisjs/lucid/services/db'
import { fromSqlTimestamp, toSqlTimestamp } from '#models/millisecond_timestamp'
import { HOLDS_SLOT, RUN_ENDINGS, type EnvironmentState } from '#domain/environment_states'
import {
  calculateUsage,
  type UsageEnvironment,
  type UsageRow,
} from '#services/usage/usage_calculator'

import type { UsageGrouping } from '#domain/listing'

export type { UsageGrouping }

export type UsageReport = {
  rows: UsageRow[]
  from: Date
  to: Date
  groupBy: UsageGrouping
}

/** Label shown for environments launched without an experiment. */
export const NO_EXPERIMENT_LABEL = '(no experiment)'

/** The grouping's id and label columns, and the join that provides the label. */
const GROUPINGS = {
  user: { id: 'environments.user_id', label: 'users.username', table: 'users', on: 'user_id' },
  experiment: {
    id: 'environments.experiment_id',
    label: 'experiments.proposal_id',
    table: 'experiments',
    on: 'experiment_id',
  },
  image: { id: 'environments.image_id', label: 'images.name', table: 'images', on: 'image_id' },
} as const

type EnvironmentRow = {
  id: number
  cpu_millicores: number
  memory_bytes: number | string
  gpus: number
  group_id: number | null
  group_label: string | null
}

/**
 * Loads environments and their state transitions for a window and hands
 * them to the pure calculator (usage_calculator.ts).
 */
@inject()
export default class UsageService {
  /**
   * Usage per user, experiment or image between `from` and `to` (an
   * environment still in a state at `now` accrues up to min(now, to)).
   */
  async report(
    from: Date,
    to: Date,
    groupBy: UsageGrouping,
    now: Date = new Date()
  ): Promise<UsageReport> {
    const end = new Date(Math.max(from.getTime(), Math.min(now.getTime(), to.getTime())))
    const grouping = GROUPINGS[groupBy]

    // Only environments that changed state since `from`, or still hold
    // something now (then their state at `from` is their current one), can
    // have accrued in the window; the rest ended before it.
    const environments: EnvironmentRow[] = await db
      .from('environments')
      .leftJoin(grouping.table, `${grouping.table}.id`, `environments.${grouping.on}`)
      .where((query) => {
        query.whereIn('environments.state', HOLDS_SLOT).orWhereExists((events) => {
          events
            .from('environment_events')
            .whereColumn('environment_events.environment_id', 'environments.id')
            .whereNotNull('environment_events.state')
            .where('environment_events.occurred_at', '>=', toSqlTimestamp(from))
        })
      })
      .select(
        'environments.id',
        'environments.cpu_millicores',
        'environments.memory_bytes',
        'environments.gpus',
        `${grouping.id} as group_id`,
        `${grouping.label} as group_label`
      )
    if (environments.length === 0) {
      return { rows: [], from, to, groupBy }
    }

    const transitions: {
      environment_id: number
      step: string
      state: EnvironmentState
      occurred_at: Date | string
    }[] = await db
      .from('environment_events')
      .whereIn(
        'environment_id',
        environments.map((environment) => environment.id)
      )
      .whereNotNull('state')
      .where('occurred_at', '<', toSqlTimestamp(end))
      .orderBy('id', 'asc')
      .select('environment_id', 'step', 'state', 'occurred_at')

    const byEnvironment = new Map<number, UsageEnvironment>()
    for (const row of environments) {
      byEnvironment.set(row.id, {
        key: { id: row.group_id, label: label(groupBy, row.group_label, row.group_id) },
        cpuMillicores: row.cpu_millicores,
        memoryBytes: Number(row.memory_bytes),
        gpus: row.gpus,
        transitions: [],
        endings: [],
      })
    }
    for (const transition of transitions) {
      const environment = byEnvironment.get(transition.environment_id)
      const at = fromSqlTimestamp(transition.occurred_at).toMillis()
      environment?.transitions.push({ state: transition.state, at })
      // The journal names each state change after its transition (stop, idle_stop, expire).
      if (environment && at >= from.getTime() && Object.hasOwn(RUN_ENDINGS, transition.step)) {
        environment.endings.push(RUN_ENDINGS[transition.step as keyof typeof RUN_ENDINGS])
      }
    }

    const rows = calculateUsage([...byEnvironment.values()], {
      from: from.getTime(),
      end: end.getTime(),
    })
    return { rows, from, to, groupBy }
  }
}

function label(groupBy: UsageGrouping, value: string | null, id: number | null) {
  if (groupBy === 'experiment' && id === null) {
    return NO_EXPERIMENT_LABEL
  }
  return value ?? `#${id}`
}
