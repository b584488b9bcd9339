import Experiment, { type ExperimentSource } from '#models/experiment'
import { whereSearchMatches } from '#models/experiment_search'
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
      const ids = await this.#pageIds(this.idsQuery(filters).limit(perPage + 1))
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
    const lastPage = Math.max(1, Math.ceil(Number(total) / perPage))
    const meta: KeysetListMeta = {
      total: Number(total),
      perPage,
      currentPage: page,
      lastPage,
      nextCursor: page < lastPage && rows.length > 0 ? this.#cursorAfter(rows) : null,
    }
    return { rows, meta }
  }

  /**
   * The total and the ids of one numbered page. A search reads every matching id in one
   * statement and counts them here: the full-text index yields the matches once, where a
   * `count(*)` and a page query would look each of them up twice. Otherwise the database
   * counts, and the offset is walked over ids only, then the page's rows are read: an OFFSET
   * over whole rows reads every skipped abstract (page 5000 of 100,000 took 2.4 times as long).
   */
  async #numberedPage(filters: AdminExperimentFilters, page: number, perPage: number) {
    if (filters.search) {
      const all = await this.#pageIds(this.idsQuery(filters))
      return { total: all.length, ids: all.slice((page - 1) * perPage, page * perPage) }
    }
    const [{ total }] = await this.#matching(filters)
      .count('* as total')
      .pojo<{ total: number | string }>()
    return {
      total: Number(total),
      ids: await this.#pageIds(this.idsQuery(filters).forPage(page, perPage)),
    }
  }

  /**
   * The ids of the matching rows, newest first, after the cursor if any
   * (public so that a test can EXPLAIN exactly what the list runs).
   */
  idsQuery(filters: AdminExperimentFilters) {
    return this.#matching(filters)
      .if(filters.cursor, (query) => query.where('id', '<', filters.cursor!.after))
      .select('id')
      .orderBy('id', 'desc')
  }

  #matching(filters: AdminExperimentFilters) {
    return Experiment.query()
      .if(filters.source, (query) => query.where('source', filters.source!))
      .if(filters.search !== undefined && filters.search !== '', (query) =>
        whereSearchMatches(query, searchWords(filters.search!))
      )
  }

  async #pageIds(query: ReturnType<typeof Experiment.query>) {
    const found = await query.pojo<{ id: number }>()
    return found.map((row) => row.id)
  }

  #rows(ids: number[]) {
    return ids.length ? Experiment.query().whereIn('id', ids).orderBy('id', 'desc') : []
  }

  #cursorAfter(rows: Experiment[]) {
    return encodeListCursor({ after: rows[rows.length - 1].id })
  }
}
