import db from '@adonisjs/lucid/services/db'
import type { ExperimentSource } from '#models/experiment'

/**
 * `experiment_words` keeps a longer word by its first this many characters: the length of its
 * `word` column. Migration 0110 states it again (a migration never imports application code,
 * which may change after it ran); a change needs a new migration.
 * tests/functional/admin/experiment_search.spec.ts checks the column against this.
 */
export const EXPERIMENT_WORD_LENGTH = 100

export type ExperimentIdFilters = {
  /** From `searchWords`: letters and digits only, never an operator of either search syntax. */
  words?: string[]
  source?: ExperimentSource
  /** Keyset paging: only ids below this one. */
  beforeId?: number
  /** Oldest first (a deep page is walked from the far end, then reversed). */
  oldestFirst?: boolean
  /**
   * MySQL/MariaDB: the one word of `experiment_words` that the longest search word starts,
   * when the count found only one (searched_experiments.ts): read by equality, the ids come
   * in index order, once each, and the page stops after its rows.
   */
  soleWord?: string
}

/**
 * The ids of the matching experiments, newest first unless asked otherwise, as
 * one statement (ADR 9, ADR 11).
 * A search needs every word to start a word of the proposal id, title or
 * instrument. MySQL/MariaDB: a range of the `experiment_words` primary key per
 * word (migration 0110), read directly when nothing else filters, so that the
 * experiments' rows are never looked up to sort or count the matches. SQLite:
 * the FTS5 table of migration 0080, read directly when nothing else filters
 * (its rowids are the experiments' ids). A search without words matches nothing.
 */
export function experimentIdsQuery(filters: ExperimentIdFilters) {
  return orderedIds(matchesQuery(filters), filters.oldestFirst)
}

/** The ids of `experimentMatches`, each once, newest first unless asked otherwise. */
export function orderedIds(
  { query, id, grouped }: ReturnType<typeof experimentMatches>,
  oldestFirst = false
) {
  return query
    .select(`${id} as id`)
    .if(grouped, (ids) => ids.groupBy(id))
    .orderBy(id, oldestFirst ? 'asc' : 'desc')
}

/**
 * What a search binds, from its words: LIKE patterns of `experiment_words` (MySQL/MariaDB),
 * the longest word first, each cut to the stored length; and the FTS5 query (SQLite).
 * A prepared statement (searched_experiments.ts) passes stand-ins for both.
 */
export type SearchTerms = { patterns: string[]; match: string }

export function searchTerms(words: string[]): SearchTerms {
  return {
    patterns: words
      .map((word) => word.slice(0, EXPERIMENT_WORD_LENGTH))
      .sort((a, b) => b.length - a.length)
      .map((word) => `${word}%`),
    match: ftsQuery(words),
  }
}

/** The rows that match, their id column, and whether one experiment can match twice. */
function matchesQuery({ words, ...filters }: ExperimentIdFilters) {
  return experimentMatches(words && searchTerms(words), filters)
}

/**
 * The rows that match a search's terms (none: every experiment; no pattern: none) and the
 * other filters, their id column, and whether one experiment can match twice.
 */
export function experimentMatches(
  terms: SearchTerms | undefined,
  { source, beforeId, soleWord }: Pick<ExperimentIdFilters, 'source' | 'beforeId' | 'soleWord'>
) {
  const sqlite = db.connection().dialect.name.includes('sqlite')
  const searched = terms !== undefined && terms.patterns.length > 0
  if (searched && !sqlite) {
    return {
      query: wordTableMatches(terms.patterns, { source, beforeId, soleWord }),
      id: MATCHED_ID,
      grouped: soleWord === undefined,
    }
  }
  if (searched && sqlite && !source) {
    return {
      query: db
        .from('experiments_search')
        .whereRaw('experiments_search MATCH ?', [terms.match])
        .if(beforeId, (query) => query.where('rowid', '<', beforeId!)),
      id: 'rowid',
      grouped: false,
    }
  }
  return {
    query: db
      .from('experiments')
      .if(source, (query) => query.where('source', source!))
      .if(terms && !searched, (query) => query.whereRaw('1 = 0'))
      .if(searched, (query) =>
        query.whereRaw(
          'id IN (SELECT rowid FROM experiments_search WHERE experiments_search MATCH ?)',
          [terms!.match]
        )
      )
      .if(beforeId, (query) => query.where('id', '<', beforeId!)),
    id: 'id',
    grouped: false,
  }
}

const MATCHED_ID = 'matched.experiment_id'

/**
 * The (word, experiment) rows of `experiment_words` whose experiment has every word: the
 * longest word (likely the rarest, its pattern first) is read as a range of the primary key,
 * each other word is checked per candidate through the (experiment_id, word) index. One
 * experiment can have several words that a word starts ("perovskite", "perovskites"): group
 * or count distinct ids.
 */
function wordTableMatches(
  [first, ...others]: string[],
  { source, beforeId, soleWord }: Pick<ExperimentIdFilters, 'source' | 'beforeId' | 'soleWord'>
) {
  const query = db
    .from('experiment_words as matched')
    .if(soleWord === undefined, (matches) => matches.where('matched.word', 'like', first))
    .if(soleWord !== undefined, (matches) => matches.where('matched.word', soleWord!))
    .if(source, (matches) =>
      matches.join('experiments', 'experiments.id', MATCHED_ID).where('experiments.source', source!)
    )
    .if(beforeId, (matches) => matches.where(MATCHED_ID, '<', beforeId!))
  for (const pattern of others) {
    query.whereExists((other) =>
      other
        .from('experiment_words as other_word')
        .select(db.raw('1'))
        .whereRaw('other_word.experiment_id = matched.experiment_id')
        .where('other_word.word', 'like', pattern)
    )
  }
  return query
}

/**
 * The FTS5 query of a search: each word a prefix, except `sole.word`, read as the one indexed
 * word it starts (searched_experiments.ts).
 */
export function ftsQuery(words: string[], sole?: { word: string; term: string }) {
  return words.map((word) => (word === sole?.word ? `"${sole.term}"` : `"${word}"*`)).join(' ')
}
