import db from '@adonisjs/lucid/services/db'
import type { RawQueryBindings } from '@adonisjs/lucid/types/querybuilder'
import type { ExperimentSource } from '#models/experiment'
import { experimentMatches, orderedIds, searchTerms } from '#models/experiment_search'
import { listedExperiment } from '#models/listed_experiment'
import { PreparedSelect } from '#models/prepared_select'

/** What the admins' list shows of an experiment (ExperimentTransformer's columns). */
const SHOWN_COLUMNS = [
  'experiments.id',
  'experiments.proposal_id',
  'experiments.title',
  'experiments.abstract',
  'experiments.instrument',
  'experiments.source',
  'experiments.starts_at',
  'experiments.last_synced_at',
]

/**
 * What a search statement reads: the total (`count`; on MySQL/MariaDB first the longest
 * word's `range` — its count and lowest and highest word — then, if that range holds
 * several words, the `distinct` experiments) or a `page` of rows.
 */
type Reads = 'count' | 'range' | 'distinct' | 'page'

/**
 * A search's shapes: how many words, whether a source filters, whether the page reads the
 * one word the range held (`sole`), and what it reads.
 */
type SearchShape = `${number}|${'s' | ''}|${'sole' | ''}|${Reads}`

/**
 * The admins' experiment search (ADR 11) as prepared statements: the statements of
 * experiment_search.ts, written once per shape, then run with each request's terms. No
 * query builder, compilation or model per request: a search page's own work is its two
 * statements (a quarter of its server time went to building them and hydrating models).
 * Parameters: pattern0…, match, source, sole, limit, offset.
 */
const searchStatements = new PreparedSelect<SearchShape>((shape, slot) => {
  const [words, source, sole, reads] = shape.split('|') as [string, string, string, Reads]
  const matches = experimentMatches(
    {
      patterns: Array.from({ length: Number(words) }, (_, index) => slot(`pattern${index}`)),
      match: slot('match'),
    },
    { source: source ? slot('source') : undefined, soleWord: sole ? slot('sole') : undefined }
  )
  const { query, id } = matches
  if (reads === 'count') {
    return query.count('* as total')
  }
  if (reads === 'range') {
    return query.count('* as found').min('matched.word as lowest').max('matched.word as highest')
  }
  if (reads === 'distinct') {
    return query.countDistinct(`${id} as total`)
  }
  // The page's ids first, then their rows: an OFFSET over whole rows would read every skipped one.
  const pageIds = orderedIds(matches).limit(slot('limit')).offset(slot('offset')).toSQL()
  return db
    .from('experiments')
    .select(SHOWN_COLUMNS)
    .joinRaw(
      `JOIN (${pageIds.sql}) page_ids ON page_ids.id = experiments.id`,
      pageIds.bindings as RawQueryBindings
    )
    .orderBy('experiments.id', 'desc')
})

/**
 * One numbered page of a search and the exact total (ADR 11): the total counted by the
 * index that finds the matches (which also tells how to read them fastest), then the page's
 * rows; a page past the last is not read, and a search without words matches nothing.
 */
export async function searchedExperimentsPage(
  words: string[],
  source: ExperimentSource | undefined,
  page: number,
  perPage: number
) {
  if (words.length === 0) {
    return { total: 0, rows: [] }
  }
  const { patterns, match } = searchTerms(words)
  const parameters: Record<string, string | number> = { match }
  patterns.forEach((pattern, index) => (parameters[`pattern${index}`] = pattern))
  if (source) {
    parameters.source = source
  }
  const base = `${words.length}|${source ? 's' : ''}` as const
  const { total, sole } = await countMatches(base, parameters)
  if (total <= (page - 1) * perPage) {
    return { total, rows: [] }
  }
  if (sole !== undefined) {
    parameters.sole = sole
  }
  const rows = await searchStatements.rows(`${base}|${sole === undefined ? '' : 'sole'}|page`, {
    ...parameters,
    limit: perPage,
    offset: (page - 1) * perPage,
  })
  return { total, rows: rows.map(listedExperiment) }
}

/**
 * The total and, on MySQL/MariaDB, the one word the longest search word starts when there
 * is only one: then each experiment is in its range once, `count(*)` of the range is exact,
 * and the page reads that word by equality. Otherwise the distinct experiments are counted.
 * SQLite: `count(*)` of the FTS5 match.
 */
async function countMatches(
  base: `${number}|${'s' | ''}`,
  parameters: Record<string, string | number>
): Promise<{ total: number; sole?: string }> {
  if (db.connection().dialect.name.includes('sqlite')) {
    const [counted] = await searchStatements.rows(`${base}||count`, parameters)
    return { total: Number(counted.total) }
  }
  const [range] = await searchStatements.rows(`${base}||range`, parameters)
  if (Number(range.found) === 0) {
    return { total: 0 }
  }
  if (range.lowest === range.highest) {
    return { total: Number(range.found), sole: range.lowest as string }
  }
  const [counted] = await searchStatements.rows(`${base}||distinct`, parameters)
  return { total: Number(counted.total) }
}
