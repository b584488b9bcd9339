import { errors as vineErrors } from '@vinejs/vine'
import db from '@adonisjs/lucid/services/db'
import type { ChainableContract } from '@adonisjs/lucid/types/querybuilder'
import {
  listedEnvironment,
  listedEnvironmentsQuery,
  type ListedEnvironment,
} from '#models/listed_environment'
import type { EnvironmentState } from '#domain/environment_states'
import type { AdminEnvironmentSort } from '#domain/listing'
import { encodeListCursor, type KeysetListMeta, type ListCursor } from '#domain/list_cursor'

export type AdminEnvironmentFilters = {
  state?: EnvironmentState
  userId?: number
  imageId?: number
  experimentId?: number
  driver?: 'docker' | 'kubernetes'
  sort?: AdminEnvironmentSort
  page?: number
  perPage?: number
  cursor?: ListCursor
}

const SORT_COLUMNS = {
  createdAt: 'created_at',
  memoryBytes: 'memory_bytes',
  cpuMillicores: 'cpu_millicores',
} as const

/**
 * The admins' list of everyone's environments, filtered and sorted, by page
 * number (counted) or after a cursor (keyset on the sort column and the id).
 */
export default class AdminEnvironmentListing {
  /**
   * One page of environments with their image and owner's name (joined:
   * one statement, plus the count of a numbered page), and its meta.
   */
  async list(filters: AdminEnvironmentFilters) {
    const sort = filters.sort ?? '-createdAt'
    const descending = sort.startsWith('-')
    const column = SORT_COLUMNS[sort.replace('-', '') as keyof typeof SORT_COLUMNS]
    const perPage = filters.perPage ?? 20
    const query = listedEnvironmentsQuery()
      .where(this.#filters(filters))
      .orderBy(`environments.${column}`, descending ? 'desc' : 'asc')
      .orderBy('environments.id', descending ? 'desc' : 'asc')
    const cursorAfter = (rows: ListedEnvironment[]) =>
      encodeListCursor({ after: rows[rows.length - 1].id, sort })

    if (filters.cursor) {
      if (filters.cursor.sort !== sort) {
        throw new vineErrors.E_VALIDATION_ERROR([
          {
            field: 'cursor',
            message: 'The cursor field was made for another sort',
            rule: 'listCursor',
          },
        ])
      }
      // After the cursor's row in (column, id) order; its column value is read from the row
      // itself, so the cursor carries no value whose type or precision could drift.
      const after = filters.cursor.after
      const beyond = descending ? '<' : '>'
      const found = await query
        .where((q) =>
          q
            .whereRaw(
              `environments.${column} ${beyond} (SELECT ${column} FROM environments WHERE id = ?)`,
              [after]
            )
            .orWhere((tie) =>
              tie
                .whereRaw(
                  `environments.${column} = (SELECT ${column} FROM environments WHERE id = ?)`,
                  [after]
                )
                .where('environments.id', beyond, after)
            )
        )
        .limit(perPage + 1)
        .pojo<Record<string, unknown>>()
      const rows = found.slice(0, perPage).map(listedEnvironment)
      const meta: KeysetListMeta = {
        perPage,
        nextCursor: found.length > perPage ? cursorAfter(rows) : null,
      }
      return { rows, meta }
    }
    const page = filters.page ?? 1
    const offset = (page - 1) * perPage
    const found = await query.limit(perPage).offset(offset).pojo<Record<string, unknown>>()
    const rows = found.map(listedEnvironment)
    // A short page that shows something is the last: it tells the total without a count.
    const total =
      rows.length > 0 && rows.length < perPage ? offset + rows.length : await this.#count(filters)
    const lastPage = Math.max(1, Math.ceil(total / perPage))
    const meta: KeysetListMeta = {
      total,
      perPage,
      currentPage: page,
      lastPage,
      nextCursor: page < lastPage && rows.length > 0 ? cursorAfter(rows) : null,
    }
    return { rows, meta }
  }

  /**
   * How many environments the filters keep, without the joins of the page (SQLite does not
   * drop an unused LEFT JOIN: it joined 2,000 images and owners only to count them).
   */
  async #count(filters: AdminEnvironmentFilters) {
    const [row] = await db.from('environments').where(this.#filters(filters)).count('* as total')
    return Number(row.total)
  }

  /** The filters of the list, on the environments' own columns, for a page or its count. */
  #filters(filters: AdminEnvironmentFilters) {
    return (query: ChainableContract) => {
      if (filters.state) {
        query.where('environments.state', filters.state)
      } else {
        query.whereNot('environments.state', 'removed')
      }
      for (const [column, value] of [
        ['user_id', filters.userId],
        ['image_id', filters.imageId],
        ['experiment_id', filters.experimentId],
        ['driver', filters.driver],
      ] as const) {
        if (value !== undefined) {
          query.where(`environments.${column}`, value)
        }
      }
    }
  }
}
