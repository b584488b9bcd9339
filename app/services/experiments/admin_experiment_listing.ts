import Experiment, { type ExperimentSource } from '#models/experiment'
import { experimentIdsQuery } from '#models/experiment_search'
import { searchedExperimentsAfter, searchedExperimentsPage } from '#models/searched_experiments'
import type { ListedExperiment } from '#models/listed_experiment'
import { experimentTotal } from '#models/experiment_count'
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
 * newest first: a search by word starts (ADR 9; the words table on MySQL/MariaDB, ADR 11;
 * FTS5 on SQLite), and pages by number (the total kept by the database, ADR 10) or after a
 * cursor (keyset on the primary key: no total, as fast on the last page as on the first; a
 * search after a cursor reads as its numbered pages do, searched_experiments.ts).
 */
export default class AdminExperimentListing {
  /**
   * One page of experiments without sessions (models, or a search's rows as the list shows
   * them), and its meta.
   */
  async list(
    filters: AdminExperimentFilters
  ): Promise<{ rows: Array<Experiment | ListedExperiment>; meta: KeysetListMeta }> {
    const perPage = filters.perPage ?? 20
    if (filters.cursor) {
      const { rows, more } = await this.#rowsAfter(filters, perPage)
      const meta: KeysetListMeta = {
        perPage,
        nextCursor: more ? this.#cursorAfter(rows) : null,
      }
      return { rows, meta }
    }
    const page = filters.page ?? 1
    const { total, rows } = await this.#numberedPage(filters, page, perPage)
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
  idsQuery(filters: AdminExperimentFilters, { oldestFirst = false } = {}) {
    return experimentIdsQuery({ ...this.#idFilters(filters), oldestFirst })
  }

  #idFilters(filters: AdminExperimentFilters) {
    return {
      words: filters.search ? searchWords(filters.search) : undefined,
      source: filters.source,
      beforeId: filters.cursor?.after,
    }
  }

  /**
   * The total and the rows of one numbered page. Without a search the total is read from
   * the counts the database keeps (`experimentTotal`, ADR 10) and a page in the far half of
   * the list is walked from the oldest end, so that the last page skips as few rows as the
   * first. An offset is walked over ids only (the page's rows are read afterwards: an
   * OFFSET over whole rows reads every skipped abstract).
   */
  async #numberedPage(filters: AdminExperimentFilters, page: number, perPage: number) {
    if (filters.search) {
      return this.#searchPage(filters, page, perPage)
    }
    const total = await experimentTotal(filters.source)
    const offset = (page - 1) * perPage
    const size = Math.min(perPage, total - offset)
    if (size <= 0) {
      return { total, rows: [] }
    }
    const fromOldest = total - offset - size
    const oldestFirst = fromOldest < offset
    const skip = oldestFirst ? fromOldest : offset
    if (skip === 0) {
      // The first and the last page: the rows themselves, one statement fewer.
      const rows = await Experiment.query()
        .if(filters.source, (query) => query.where('source', filters.source!))
        .orderBy('id', oldestFirst ? 'asc' : 'desc')
        .limit(size)
      return { total, rows: oldestFirst ? rows.reverse() : rows }
    }
    const ids = await this.#ids(this.idsQuery(filters, { oldestFirst }).limit(size).offset(skip))
    // #rows reads them newest first whichever way they were found.
    return { total, rows: await this.#rows(ids) }
  }

  /**
   * A numbered page of a search: the total counted by the index that finds the matches,
   * then the page's rows, as prepared statements (searched_experiments.ts, ADR 11).
   */
  #searchPage(filters: AdminExperimentFilters, page: number, perPage: number) {
    const { words, source } = this.#idFilters(filters)
    return searchedExperimentsPage(words!, source, page, perPage)
  }

  /**
   * Up to `perPage` rows after the cursor, and whether more follow (one match more than the
   * page tells): a search's as its numbered pages read them (the plan its count found), else
   * the ids by the primary key, then the rows of the page's ids only.
   */
  async #rowsAfter(
    filters: AdminExperimentFilters,
    perPage: number
  ): Promise<{ rows: Array<Experiment | ListedExperiment>; more: boolean }> {
    const { words, source, beforeId } = this.#idFilters(filters)
    if (words) {
      const found = await searchedExperimentsAfter(words, source, beforeId!, perPage + 1)
      return { rows: found.slice(0, perPage), more: found.length > perPage }
    }
    const ids = await this.#ids(this.idsQuery(filters).limit(perPage + 1))
    return { rows: await this.#rows(ids.slice(0, perPage)), more: ids.length > perPage }
  }

  async #ids(query: ReturnType<typeof experimentIdsQuery>) {
    const found: { id: number }[] = await query
    return found.map((row) => Number(row.id))
  }

  #rows(ids: number[]) {
    return ids.length ? Experiment.query().whereIn('id', ids).orderBy('id', 'desc') : []
  }

  #cursorAfter(rows: Array<{ id: number }>) {
    return encodeListCursor({ after: rows[rows.length - 1].id })
  }
}
