import db from '@adonisjs/lucid/services/db'
import type { RawQueryBindings } from '@adonisjs/lucid/types/querybuilder'
import type { ExperimentSource } from '#models/experiment'
import { experimentMatches, ftsQuery, orderedIds, searchTerms } from '#models/experiment_search'
import { listedExperiment, SHOWN_EXPERIMENT_COLUMNS } from '#models/listed_experiment'
import { PreparedSelect } from '#models/prepared_select'
import { RememberedSearchTotals } from '#models/remembered_search_totals'

/**
 * What a search statement reads: the total (`count`; on MySQL/MariaDB first the longest
 * word's `range` — its count and lowest and highest word — then, if that range holds
 * several words, the `distinct` experiments; both with the words' `versions`), a `page` of
 * rows, (SQLite) the indexed words the longest search word starts (`vocabulary`), or
 * (MySQL/MariaDB) the words' `versions` alone, to tell whether a remembered total holds.
 */
type Reads = 'count' | 'range' | 'distinct' | 'page' | 'vocabulary' | 'versions'

/**
 * A search's shapes: how many words, whether a source filters, whether the page reads the
 * one word the range held (`sole`), and what it reads.
 */
type SearchShape = `${number}|${'s' | ''}|${'sole' | ''}|${Reads}`

/**
 * The versions of every source's words (migration 0114) as one string; read in the same
 * statement as a count, they are the versions that count holds for (one read view).
 */
const WORDS_VERSIONS = `GROUP_CONCAT(words_version ORDER BY source)`

/**
 * The admins' experiment search (ADR 11) as prepared statements: the statements of
 * experiment_search.ts, written once per shape, then run with each request's terms. No
 * query builder, compilation or model per request: a search page's own work is its two
 * statements (a quarter of its server time went to building them and hydrating models).
 * Parameters: pattern0…, match, source, sole, limit, offset.
 */
const searchStatements = new PreparedSelect<SearchShape>((shape, slot) => {
  const [words, source, sole, reads] = shape.split('|') as [string, string, string, Reads]
  if (reads === 'vocabulary') {
    // Two are enough to tell one word from several; no ORDER BY, which would read them all.
    return db
      .from('experiments_search_vocabulary')
      .select('term', 'doc')
      .where('term', '>=', slot('from'))
      .where('term', '<', slot('to'))
      .limit(2)
  }
  if (reads === 'versions') {
    return db.from('experiment_counts').select(db.raw(`${WORDS_VERSIONS} as versions`))
  }
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
    return query
      .count('* as found')
      .min('matched.word as lowest')
      .max('matched.word as highest')
      .select(db.raw(`(SELECT ${WORDS_VERSIONS} FROM experiment_counts) AS versions`))
  }
  if (reads === 'distinct') {
    return query
      .countDistinct(`${id} as total`)
      .select(db.raw(`(SELECT ${WORDS_VERSIONS} FROM experiment_counts) AS versions`))
  }
  // The page's ids first, then their rows: an OFFSET over whole rows would read every skipped one.
  const pageIds = orderedIds(matches).limit(slot('limit')).offset(slot('offset')).toSQL()
  return db
    .from('experiments')
    .select(SHOWN_EXPERIMENT_COLUMNS)
    .joinRaw(
      `JOIN (${pageIds.sql}) page_ids ON page_ids.id = experiments.id`,
      pageIds.bindings as RawQueryBindings
    )
    .orderBy('experiments.id', 'desc')
})

/**
 * One numbered page of a search and the exact total (ADR 11): the total counted by the
 * index that finds the matches (which also tells how to read them fastest; on MySQL/MariaDB
 * remembered while the words' versions stay the same, ADR 12), then the page's
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
  const { total, sole } = db.connection().dialect.name.includes('sqlite')
    ? await countFtsMatches(base, words, parameters)
    : await countWordTableMatches(base, `${source ?? ''}|${patterns.join(' ')}`, parameters)
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

type Counted = { total: number; sole?: string }
type Parameters = Record<string, string | number>

/**
 * MySQL/MariaDB totals counted, by search (`source|patterns`); a few hundred bytes each.
 * Counting "perovskite" reads its 6,296 index entries (2–5 ms per statement under load);
 * the versions are one short read (0.1–0.2 ms, ADR 12).
 */
const rememberedTotals = new RememberedSearchTotals<Counted>(1000)

/**
 * MySQL/MariaDB: the total and the one word the longest search word starts when there is
 * only one: then each experiment is in its range once, `count(*)` of the range is exact,
 * and the page reads that word by equality. Otherwise the distinct experiments are counted.
 * A total counted before is taken again while the words' versions are the ones it was
 * counted under (ADR 12): no write since has changed what the search finds.
 */
async function countWordTableMatches(
  base: `${number}|${'s' | ''}`,
  search: string,
  parameters: Parameters
): Promise<Counted> {
  const remembered = rememberedTotals.recall(search)
  if (remembered) {
    const [{ versions }] = await searchStatements.rows('0|||versions', {})
    if (versions === remembered.versions) {
      return remembered.counted
    }
  }
  const counted = await countWordTableMatchesNow(base, parameters)
  // No count rows (no experiment written yet, or emptied after a TRUNCATE): nothing to key it by.
  if (counted.versions !== null) {
    rememberedTotals.remember(search, counted.versions, counted.counted)
  }
  return counted.counted
}

/** The count itself, with the versions it holds for (read by the same statement). */
async function countWordTableMatchesNow(
  base: `${number}|${'s' | ''}`,
  parameters: Parameters
): Promise<{ counted: Counted; versions: string | null }> {
  const [range] = await searchStatements.rows(`${base}||range`, parameters)
  const versions = range.versions as string | null
  if (Number(range.found) === 0) {
    return { counted: { total: 0 }, versions }
  }
  if (range.lowest === range.highest) {
    return { counted: { total: Number(range.found), sole: range.lowest as string }, versions }
  }
  const [counted] = await searchStatements.rows(`${base}||distinct`, parameters)
  return { counted: { total: Number(counted.total) }, versions: counted.versions as string | null }
}

/**
 * SQLite: `count(*)` of the FTS5 match. A prefix ("perovskite"*) makes FTS5 gather the
 * experiments of every indexed word it starts before the first is read (0.33 ms to count
 * "perovskite", 0.19 ms for its page, 100,000 experiments); one word is read in order
 * (0.21 and 0.04 ms). So the words the longest search word starts are looked up first
 * (0.13 ms): none, and nothing matches; one, and the search reads that word instead
 * (`parameters.match` is changed) — alone and without a source filter, its experiments are
 * the total. Only a word of ASCII letters and digits is looked up: the index folds case
 * and accents (`remove_diacritics 2`), which only ASCII is sure to match unchanged.
 */
async function countFtsMatches(
  base: `${number}|${'s' | ''}`,
  words: string[],
  parameters: Parameters
): Promise<Counted> {
  const longest = words.reduce((found, word) => (word.length > found.length ? word : found))
  if (/^[a-z0-9]+$/.test(longest)) {
    const following = String.fromCharCode(longest.charCodeAt(longest.length - 1) + 1)
    const started = await searchStatements.rows(`${base}||vocabulary`, {
      from: longest,
      to: `${longest.slice(0, -1)}${following}`,
    })
    if (started.length === 0) {
      return { total: 0 }
    }
    if (started.length === 1) {
      const [{ term, doc }] = started as Array<{ term: string; doc: number }>
      parameters.match = ftsQuery(words, { word: longest, term })
      if (words.length === 1 && parameters.source === undefined) {
        return { total: Number(doc) }
      }
    }
  }
  const [counted] = await searchStatements.rows(`${base}||count`, parameters)
  return { total: Number(counted.total) }
}
