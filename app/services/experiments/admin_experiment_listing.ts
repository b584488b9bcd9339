import db from '@adonisjs/lucid/services/db'
import Experiment, { type ExperimentSource } from '#models/experiment'
import { experimentIdsQuery } from '#models/experiment_search'
import { searchWords } from '#domain/search_words'
import { encodeListCursor, type KeysetListMeta, type ListCursor } from '#domain/list_cursor'

export type AdminExperimentFilters = {
  search?: string
  source?: ExperimentSource
  page?: number
  perPage?: number
  cursor?: ListCursor
}

/**
 * The admins' list of every experiment (100,000 at a large facility),
 * newest first: a search through the full-text index (ADR 9), and pages by
 * number (counted) or after a cursor (keyset on the primary key, never
 * counted, as fast on the last page as on the first).
 */
export default class AdminExperimentListing {
  /** One page of experiments without sessions, and its meta. */
  async list(filters: AdminExperimentFilters) {
    const perPage = filters.perPage ?? 20
    if (filters.cursor) {
      // One row more than the page tells whether another page follows.
      const ids = await this.#ids(this.idsQuery(filters).limit(perPage + 1))
      const rows = await this.#rows(ids.slice(0, perPage))
      const meta: KeysetListMeta = {
        perPage,
        nextCursor: ids.length > perPage ? this.#cursorAfter(rows) : null,
      }
      return { rows, meta }
    }
    const page = filters.page ?? 1
    const { total, ids } = await this.#numberedPage(filters, page, perPage)
    const rows = await this.#rows(ids)
    const lastPage = Math.max(1, Math.ceil(total / perPage))
    const meta: KeysetListMeta = {
      total,
      perPage,
      currentPage: page,
      lastPage,
      nextCursor: page < lastPage && rows.length > 0 ? this.#cursorAfter(rows) : null,
    }
    return { rows, meta }
  }

  /**
   * The ids of the matching rows, newest first, after the cursor if any
   * (public so that a test can EXPLAIN exactly what the list runs).
   */
  idsQuery(filters: AdminExperimentFilters) {
    return experimentIdsQuery({
      words: filters.search ? searchWords(filters.search) : undefined,
      source: filters.source,
      beforeId: filters.cursor?.after,
    })
  }

  /**
   * The total and the ids of one numbered page. A search reads every matching id in one
   * statement and counts them here: the full-text index yields the matches once, where a
   * `count(*)` and a page query would look each of them up twice. Otherwise the database
   * counts, and the offset is walked over ids only (the page's rows are read afterwards: an
   * OFFSET over whole rows reads every skipped abstract).
   */
  async #numberedPage(filters: AdminExperimentFilters, page: number, perPage: number) {
    if (filters.search) {
      const all = await this.#ids(this.idsQuery(filters))
      return { total: all.length, ids: all.slice((page - 1) * perPage, page * perPage) }
    }
    const [{ total }] = await db
      .from('experiments')
      .if(filters.source, (query) => query.where('source', filters.source!))
      .count('* as total')
    return {
      total: Number(total),
      ids: await this.#ids(this.idsQuery(filters).forPage(page, perPage)),
    }
  }

  async #ids(query: ReturnType<typeof experimentIdsQuery>) {
    const found: { id: number }[] = await query
    return found.map((row) => Number(row.id))
  }

  #rows(ids: number[]) {
    return ids.length ? Experiment.query().whereIn('id', ids).orderBy('id', 'desc') : []
  }

  #cursorAfter(rows: Experiment[]) {
    return encodeListCursor({ after: rows[rows.length - 1].id })
  }
}
