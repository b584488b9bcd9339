import { errors as vineErrors } from '@vinejs/vine'
import {
  ADMIN_ENVIRONMENT_FILTER_COLUMNS,
  adminListedEnvironment,
  adminListedEnvironments,
  type AdminEnvironmentFilterName,
  type AdminListedEnvironment,
} from '#models/admin_listed_environments'
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

const FILTER_NAMES = Object.keys(ADMIN_ENVIRONMENT_FILTER_COLUMNS) as AdminEnvironmentFilterName[]

/**
 * The admins' list of everyone's environments, filtered and sorted, by page
 * number (counted when the page cannot tell the total) or after a cursor
 * (keyset on the sort column and the id).
 */
export default class AdminEnvironmentListing {
  /**
   * One page of environments with their image and owner's name (joined:
   * one statement, plus the count of a numbered page that is full), and its meta.
   */
  async list(filters: AdminEnvironmentFilters) {
    const sort = filters.sort ?? '-createdAt'
    const perPage = filters.perPage ?? 20
    const set = FILTER_NAMES.filter((name) => filters[name] !== undefined)
    const parameters: Record<string, string | number> = {}
    for (const name of set) {
      parameters[name] = filters[name]!
    }
    const base = `${sort}|${set.join(',')}` as const
    const cursorAfter = (rows: AdminListedEnvironment[]) =>
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
      const found = await adminListedEnvironments.rows(`${base}|after`, {
        ...parameters,
        after: filters.cursor.after,
        limit: perPage + 1,
      })
      const rows = found.slice(0, perPage).map(adminListedEnvironment)
      const meta: KeysetListMeta = {
        perPage,
        nextCursor: found.length > perPage ? cursorAfter(rows) : null,
      }
      return { rows, meta }
    }
    const page = filters.page ?? 1
    const { rows: found, paginator } = await adminListedEnvironments.page(
      base,
      parameters,
      page,
      perPage
    )
    const rows = found.map(adminListedEnvironment)
    const lastPage = paginator.lastPage
    const meta: KeysetListMeta = {
      total: paginator.total,
      perPage,
      currentPage: page,
      lastPage,
      nextCursor: page < lastPage && rows.length > 0 ? cursorAfter(rows) : null,
    }
    return { rows, meta }
  }
}
