import db from '@adonisjs/lucid/services/db'
import type { ChainableContract } from '@adonisjs/lucid/types/querybuilder'
import type { AdminEnvironmentSort } from '#domain/listing'
import {
  listedEnvironmentRow,
  listedEnvironmentsQuery,
  type ListedEnvironmentRow,
} from '#models/listed_environment'
import { PreparedSelect } from '#models/prepared_select'
import type { AdminEnvironmentColumns } from '#transformers/admin_environment_transformer'

/** The filters of the admins' list, each on a column of the environments. */
export const ADMIN_ENVIRONMENT_FILTER_COLUMNS = {
  state: 'state',
  userId: 'user_id',
  imageId: 'image_id',
  experimentId: 'experiment_id',
  driver: 'driver',
} as const

export type AdminEnvironmentFilterName = keyof typeof ADMIN_ENVIRONMENT_FILTER_COLUMNS

const SORT_COLUMNS = {
  createdAt: 'created_at',
  memoryBytes: 'memory_bytes',
  cpuMillicores: 'cpu_millicores',
} as const

/**
 * The shapes of the admins' environment list: the sort, the filters that
 * are set (their names joined by commas, in ADMIN_ENVIRONMENT_FILTER_COLUMNS'
 * order), and what it reads: a numbered page, its count, or the page after
 * a cursor's row.
 */
export type AdminListedEnvironmentsShape =
  `${AdminEnvironmentSort}|${string}|${'page' | 'count' | 'after'}`

/**
 * Everyone's environments with their image and owner's name, as one
 * prepared statement per shape. Parameters: one per filter that is set
 * (named as the filter), `after` (the cursor's row id), limit and offset.
 * Removed ones only when a state filter asks for them.
 */
export const adminListedEnvironments = new PreparedSelect<AdminListedEnvironmentsShape>(
  (shape, slot) => {
    const [sort, filterList, reads] = shape.split('|')
    const filters = filterList.split(',').filter((name) => name !== '')
    const filtered = <Query extends ChainableContract>(query: Query): Query => {
      if (!filters.includes('state')) {
        query.whereNot('environments.state', 'removed')
      }
      for (const name of filters) {
        const column = ADMIN_ENVIRONMENT_FILTER_COLUMNS[name as AdminEnvironmentFilterName]
        query.where(`environments.${column}`, slot(name))
      }
      return query
    }
    if (reads === 'count') {
      // Without the joins of the page: SQLite does not drop an unused LEFT JOIN (it joined
      // 2,000 images and owners only to count them).
      return filtered(db.from('environments')).count('* as total')
    }
    const descending = sort.startsWith('-')
    const sortColumn = SORT_COLUMNS[sort.replace('-', '') as keyof typeof SORT_COLUMNS]
    const column = `environments.${sortColumn}`
    const query = filtered(listedEnvironmentsQuery())
      .orderBy(column, descending ? 'desc' : 'asc')
      .orderBy('environments.id', descending ? 'desc' : 'asc')
      .limit(slot('limit'))
    if (reads === 'page') {
      return query.offset(slot('offset'))
    }
    // After the cursor's row in (column, id) order; its column value is read from the row
    // itself, so the cursor carries no value whose type or precision could drift.
    const beyond = descending ? '<' : '>'
    const cursorValue = `(SELECT ${sortColumn} FROM environments WHERE id = ?)`
    return query.where((keyset) =>
      keyset
        .whereRaw(`${column} ${beyond} ${cursorValue}`, [slot('after')])
        .orWhere((tie) =>
          tie
            .whereRaw(`${column} = ${cursorValue}`, [slot('after')])
            .where('environments.id', beyond, slot('after'))
        )
    )
  }
)

/** An environment of the admins' list: dates as the API shows them, image and owner joined. */
export type AdminListedEnvironment = AdminEnvironmentColumns & {
  image: ListedEnvironmentRow['image']
  ownerUsername: string | null
}

/** A row of `adminListedEnvironments` as the model would read it (dates as the API shows them). */
export function adminListedEnvironment(row: Record<string, unknown>): AdminListedEnvironment {
  return {
    ...listedEnvironmentRow(row),
    endpointHost: row.endpoint_host as string | null,
    endpointPort: row.endpoint_port as number | null,
    ownerUsername: (row.listed_owner_username as string | null | undefined) ?? null,
  }
}
