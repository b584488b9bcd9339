import db from '@adonisjs/lucid/services/db'
import type { ChainableContract } from '@adonisjs/lucid/types/querybuilder'
import type { AdminEnvironmentSort } from '#domain/listing'
import type Image from '#models/image'
import { isoFromDriver } from '#models/driver_timestamp'
import { listedEnvironmentsQuery } from '#models/listed_environment'
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
  image: Pick<Image, 'name' | 'protocol'> | null
  ownerUsername: string | null
}

/** A row of `adminListedEnvironments` as the model would read it (dates as the API shows them). */
export function adminListedEnvironment(row: Record<string, unknown>): AdminListedEnvironment {
  return {
    id: row.id as number,
    userId: row.user_id as number,
    name: row.name as string,
    state: row.state as AdminListedEnvironment['state'],
    driver: row.driver as AdminListedEnvironment['driver'],
    imageId: row.image_id as number,
    expiresAt: isoFromDriver(row.expires_at as Date | string)!,
    createdAt: isoFromDriver(row.created_at as Date | string)!,
    updatedAt: isoFromDriver(row.updated_at as Date | string)!,
    failureReason: row.failure_reason as string | null,
    lastActivityAt: isoFromDriver(row.last_activity_at as Date | string | null),
    experimentId: row.experiment_id as number | null,
    sessionId: row.session_id as number | null,
    endpointHost: row.endpoint_host as string | null,
    endpointPort: row.endpoint_port as number | null,
    cpuMillicores: row.cpu_millicores as number,
    // As the model reads them (`consume: Number`): MySQL's BIGINT may come as text.
    memoryBytes: Number(row.memory_bytes),
    storageBytes: Number(row.storage_bytes),
    gpus: row.gpus as number,
    image:
      row.listed_image_name === null || row.listed_image_name === undefined
        ? null
        : {
            name: row.listed_image_name as string,
            protocol: row.listed_image_protocol as Image['protocol'],
          },
    ownerUsername: (row.listed_owner_username as string | null | undefined) ?? null,
  }
}
