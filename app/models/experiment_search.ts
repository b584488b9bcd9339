import db from '@adonisjs/lucid/services/db'
import type { ExperimentSource } from '#models/experiment'

/** `experiment_words` keeps a longer word by its first this many characters (migration 0110). */
const EXPERIMENT_WORD_LENGTH = 100

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
   * when `countExperimentMatches` found only one: read by equality, the ids come in index
   * order, once each, and the page stops after its rows.
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
  const { query, id, grouped } = matchesQuery(filters)
  return query
    .select(`${id} as id`)
    .if(grouped, (ids) => ids.groupBy(id))
    .orderBy(id, filters.oldestFirst ? 'asc' : 'desc')
}

/**
 * How many experiments `experimentIdsQuery` finds, counted by the index that finds them,
 * and the filters to read their ids with (a separate statement: SQLite's `count(*) OVER ()`
 * sorted every match, 10–20× the cost of the page and the count). On MySQL/MariaDB the
 * longest word's range of `experiment_words` is counted with its lowest and highest word:
 * when they are one word (the common case: "perovskite" starts no other word), each
 * experiment is in the range once, the count is exact, and the page can read that word by
 * equality. Otherwise the distinct experiments are counted.
 */
export async function countExperimentMatches(
  filters: ExperimentIdFilters
): Promise<{ total: number; filters: ExperimentIdFilters }> {
  const { query, id, grouped } = matchesQuery(filters)
  if (!grouped) {
    const [row] = await query.count('* as total')
    return { total: Number(row?.total ?? 0), filters }
  }
  const [range] = await query
    .clone()
    .count('* as found')
    .min('matched.word as lowest')
    .max('matched.word as highest')
  if (Number(range.found) === 0) {
    return { total: 0, filters }
  }
  if (range.lowest === range.highest) {
    return { total: Number(range.found), filters: { ...filters, soleWord: range.lowest } }
  }
  const [row] = await query.countDistinct(`${id} as total`)
  return { total: Number(row?.total ?? 0), filters }
}

/** The rows that match, their id column, and whether one experiment can match twice. */
function matchesQuery({ words, source, beforeId, soleWord }: ExperimentIdFilters) {
  const sqlite = db.connection().dialect.name.includes('sqlite')
  if (words?.length && !sqlite) {
    return {
      query: wordTableMatches(words, { source, beforeId, soleWord }),
      id: MATCHED_ID,
      grouped: soleWord === undefined,
    }
  }
  if (words?.length && sqlite && !source) {
    return {
      query: db
        .from('experiments_search')
        .whereRaw('experiments_search MATCH ?', [ftsQuery(words)])
        .if(beforeId, (query) => query.where('rowid', '<', beforeId!)),
      id: 'rowid',
      grouped: false,
    }
  }
  return {
    query: db
      .from('experiments')
      .if(source, (query) => query.where('source', source!))
      .if(words && words.length === 0, (query) => query.whereRaw('1 = 0'))
      .if(words?.length, (query) =>
        query.whereRaw(
          'id IN (SELECT rowid FROM experiments_search WHERE experiments_search MATCH ?)',
          [ftsQuery(words!)]
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
 * longest word (likely the rarest) is read as a range of the primary key, each other word
 * is checked per candidate through the (experiment_id, word) index. One experiment can
 * have several words that a word starts ("perovskite", "perovskites"): group or count
 * distinct ids.
 */
function wordTableMatches(
  words: string[],
  { source, beforeId, soleWord }: Pick<ExperimentIdFilters, 'source' | 'beforeId' | 'soleWord'>
) {
  const [first, ...others] = words
    .map((word) => word.slice(0, EXPERIMENT_WORD_LENGTH))
    .sort((a, b) => b.length - a.length)
  const query = db
    .from('experiment_words as matched')
    .if(soleWord === undefined, (matches) => matches.where('matched.word', 'like', `${first}%`))
    .if(soleWord !== undefined, (matches) => matches.where('matched.word', soleWord!))
    .if(source, (matches) =>
      matches.join('experiments', 'experiments.id', MATCHED_ID).where('experiments.source', source!)
    )
    .if(beforeId, (matches) => matches.where(MATCHED_ID, '<', beforeId!))
  for (const word of others) {
    query.whereExists((other) =>
      other
        .from('experiment_words as other_word')
        .select(db.raw('1'))
        .whereRaw('other_word.experiment_id = matched.experiment_id')
        .where('other_word.word', 'like', `${word}%`)
    )
  }
  return query
}

function ftsQuery(words: string[]) {
  return words.map((word) => `"${word}"*`).join(' ')
}
