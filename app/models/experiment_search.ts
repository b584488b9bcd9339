import db from '@adonisjs/lucid/services/db'
import type { ExperimentSource } from '#models/experiment'

export type ExperimentIdFilters = {
  /** From `searchWords`: letters and digits only, never an operator of either search syntax. */
  words?: string[]
  source?: ExperimentSource
  /** Keyset paging: only ids below this one. */
  beforeId?: number
  /** Oldest first (a deep page is walked from the far end, then reversed). */
  oldestFirst?: boolean
}

/**
 * The ids of the matching experiments, newest first unless asked otherwise, as
 * one statement (ADR 9).
 * A search needs every word to start a word of the proposal id, title or
 * instrument, through the full-text index of migration 0080: InnoDB FULLTEXT
 * on MySQL/MariaDB; FTS5 on SQLite, read directly when nothing else filters
 * (its rowids are the experiments' ids, so the table itself is not read). A
 * search without words matches nothing.
 */
export function experimentIdsQuery({ words, source, beforeId, oldestFirst }: ExperimentIdFilters) {
  const direction = oldestFirst ? 'asc' : 'desc'
  const sqlite = db.connection().dialect.name.includes('sqlite')
  if (words?.length && sqlite && !source) {
    return db
      .from('experiments_search')
      .select('rowid as id')
      .whereRaw('experiments_search MATCH ?', [ftsQuery(words)])
      .if(beforeId, (query) => query.where('rowid', '<', beforeId!))
      .orderBy('rowid', direction)
  }
  return db
    .from('experiments')
    .select('id')
    .if(source, (query) => query.where('source', source!))
    .if(words && words.length === 0, (query) => query.whereRaw('1 = 0'))
    .if(words?.length && sqlite, (query) =>
      query.whereRaw(
        'id IN (SELECT rowid FROM experiments_search WHERE experiments_search MATCH ?)',
        [ftsQuery(words!)]
      )
    )
    .if(words?.length && !sqlite, (query) =>
      query.whereRaw('MATCH (proposal_id, title, instrument) AGAINST (? IN BOOLEAN MODE)', [
        words!.map((word) => `+${word}*`).join(' '),
      ])
    )
    .if(beforeId, (query) => query.where('id', '<', beforeId!))
    .orderBy('id', direction)
}

function ftsQuery(words: string[]) {
  return words.map((word) => `"${word}"*`).join(' ')
}
