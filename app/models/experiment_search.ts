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
   * MySQL/MariaDB: the one word of `experiment_words` that the driving search word (the
   * first pattern) starts, when the count found only one (searched_experiments.ts): read by
   * equality, the ids come in index order, once each, and the page stops after its rows.
   */
  soleWord?: string
  /**
   * MySQL/MariaDB, with `soleWord`: every other word checked per candidate as the sole
   * word's ids come in order (a page, which stops after its rows), instead of as the
   * optimiser likes (a count).
   */
  probed?: boolean
  /**
   * With `probed`: per other pattern, whether it stands for the one stored word its range
   * holds, checked by equality (one index entry per candidate, not the experiment's ~10).
   */
  exactOthers?: boolean[]
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

type WordTableFilters = Pick<
  ExperimentIdFilters,
  'source' | 'beforeId' | 'soleWord' | 'probed' | 'exactOthers'
>

/**
 * The rows that match a search's terms (none: every experiment; no pattern: none) and the
 * other filters, their id column, and whether one experiment can match twice.
 */
export function experimentMatches(
  terms: SearchTerms | undefined,
  { source, beforeId, soleWord, probed, exactOthers }: WordTableFilters
) {
  const sqlite = db.connection().dialect.name.includes('sqlite')
  const searched = terms !== undefined && terms.patterns.length > 0
  if (searched && !sqlite) {
    return {
      query: wordTableMatches(terms.patterns, {
        source,
        beforeId,
        soleWord,
        probed,
        exactOthers,
      }),
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
 * driving word (the first pattern: the rarest a count found, else the longest) is read as a
 * range of the primary key, each other word is checked through the (experiment_id, word)
 * index. One experiment can have several words that a word starts ("perovskite",
 * "perovskites"): group or count distinct ids.
 *
 * How the other words are checked is the optimiser's choice for a count: it flattens
 * `EXISTS` into a semi-join and reads each other word's whole range once (0.5 µs an entry,
 * where a check per candidate costs 5 µs). A page must not: it reads 20 ids in id order and
 * stops, but the semi-join would still read every other word's whole range first ("ion" of
 * "lithium-ion": 6,193 entries, 3 ms for a page of 20; issue 16, stop 31). Written as
 * `(EXISTS …) IS TRUE`, a condition the optimiser does not flatten, each candidate is checked
 * as it comes (`probed`). Only behind one word read by equality, whose ids come in order: a
 * range of several words is grouped, and the optimiser may then read it whole and check every
 * candidate ("perovskite films" by range: 6,296 checks), where it otherwise walks the
 * (experiment_id, word) index in id order and stops.
 */
function wordTableMatches(
  [first, ...others]: string[],
  { source, beforeId, soleWord, probed, exactOthers = [] }: WordTableFilters
) {
  const query = db
    .from('experiment_words as matched')
    .if(soleWord === undefined, (matches) => matches.where('matched.word', 'like', first))
    .if(soleWord !== undefined, (matches) => matches.where('matched.word', soleWord!))
    .if(source, (matches) =>
      matches.join('experiments', 'experiments.id', MATCHED_ID).where('experiments.source', source!)
    )
    .if(beforeId, (matches) => matches.where(MATCHED_ID, '<', beforeId!))
  for (const [index, pattern] of others.entries()) {
    if (probed && soleWord !== undefined) {
      const check = exactOthers[index] ? OTHER_WORD_EXACT : OTHER_WORD
      query.whereRaw(`(EXISTS (${check})) IS TRUE`, [pattern])
    } else {
      query.whereRaw(`EXISTS (${OTHER_WORD})`, [pattern])
    }
  }
  return query
}

/** An experiment's word that a pattern matches, through the (experiment_id, word) index. */
const OTHER_WORD =
  'SELECT 1 FROM experiment_words AS other_word ' +
  'WHERE other_word.experiment_id = matched.experiment_id AND other_word.word LIKE ?'

/** An experiment's one word, by equality: one entry of the index, not all of its words. */
const OTHER_WORD_EXACT =
  'SELECT 1 FROM experiment_words AS other_word ' +
  'WHERE other_word.experiment_id = matched.experiment_id AND other_word.word = ?'

/**
 * The FTS5 query of a search: each word a prefix, except those of `sole`, each read as the
 * one indexed word it starts (searched_experiments.ts).
 */
export function ftsQuery(words: string[], sole: Map<string, string> = new Map()) {
  return words.map((word) => (sole.has(word) ? `"${sole.get(word)}"` : `"${word}"*`)).join(' ')
}
