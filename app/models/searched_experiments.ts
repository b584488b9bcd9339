import db from '@adonisjs/lucid/services/db'
import type { RawQueryBindings } from '@adonisjs/lucid/types/querybuilder'
import type { ExperimentSource } from '#models/experiment'
import { experimentMatches, ftsQuery, orderedIds, searchTerms } from '#models/experiment_search'
import { listedExperiment, SHOWN_EXPERIMENT_COLUMNS } from '#models/listed_experiment'
import { PreparedSelect } from '#models/prepared_select'
import { RememberedSearchTotals } from '#models/remembered_search_totals'

/**
 * What a search statement reads: (MySQL/MariaDB) each search word's `words` — the lowest and
 * highest word of its range and how many entries it holds, counted up to RARE_ENOUGH — then
 * the total (`count`, with the words' versions, and on MySQL/MariaDB the driving word's lowest
 * and highest word again when it is read as one word), a `page` of rows (a `deep` one: its
 * other words checked as the optimiser likes, see `probedUpTo`), the rows `after` a cursor
 * (`deepAfter`: checked as the optimiser likes), (SQLite) the indexed
 * words the longest search word starts (`vocabulary`), or the words' `versions` alone, to
 * tell whether a remembered total holds.
 */
type Reads = 'words' | 'count' | 'page' | 'deep' | 'after' | 'deepAfter' | 'vocabulary' | 'versions'

/**
 * A search's shapes: how many words, whether a source filters, whether the driving word is
 * read as the one word its range holds (`sole`, then per other word `=` when a page checks it
 * as the one word its range holds, else `~`), and what it reads.
 */
type SearchShape = `${number}|${'s' | ''}|${'' | `sole${string}`}|${Reads}`

/**
 * MySQL/MariaDB: a word's range is counted up to this many entries to find the rarest word
 * of a search; past it a word is common, and of common words one read by equality (a range
 * of one word) drives, else the longest. Counting a range costs about 0.5 µs an entry.
 */
export const RARE_ENOUGH = 10_000

/**
 * The versions of every source's words (migrations 0114 and 0115) as one string, a scalar
 * subquery; read in the same statement as a count, they are the versions that count holds
 * for (one read view).
 */
function wordsVersions() {
  return db.connection().dialect.name.includes('sqlite')
    ? db.raw(
        `(SELECT group_concat(words_version) FROM ` +
          `(SELECT words_version FROM experiment_counts ORDER BY source)) AS versions`
      )
    : db.raw(
        `(SELECT GROUP_CONCAT(words_version ORDER BY source) FROM experiment_counts) AS versions`
      )
}

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
      .select('term', 'doc', wordsVersions())
      .where('term', '>=', slot('from'))
      .where('term', '<', slot('to'))
      .limit(2)
  }
  if (reads === 'versions') {
    return db.query().select(wordsVersions())
  }
  if (reads === 'words') {
    return wordRanges(Number(words), slot)
  }
  const afterCursor = reads === 'after' || reads === 'deepAfter'
  const matches = experimentMatches(
    {
      patterns: Array.from({ length: Number(words) }, (_, index) => slot(`pattern${index}`)),
      match: slot('match'),
    },
    {
      source: source ? slot('source') : undefined,
      soleWord: sole ? slot('sole') : undefined,
      beforeId: afterCursor ? slot('beforeId') : undefined,
      probed: reads === 'page' || reads === 'after',
      exactOthers: [...sole.slice('sole'.length)].map((mark) => mark === '='),
    }
  )
  const { query, id, grouped } = matches
  if (reads === 'count') {
    // The versions, and (MySQL/MariaDB) whether the driving word still starts one word only,
    // as of this count.
    return (grouped ? query.countDistinct(`${id} as total`) : query.count('* as total'))
      .select(wordsVersions())
      .if(sole && !db.connection().dialect.name.includes('sqlite'), (counted) =>
        counted.select(
          wordAtEnd(slot('pattern0'), 'asc').as('lowest'),
          wordAtEnd(slot('pattern0'), 'desc').as('highest')
        )
      )
  }
  // The page's ids first, then their rows: an OFFSET over whole rows would read every skipped one.
  const pageIds = orderedIds(matches)
    .limit(slot('limit'))
    .if(!afterCursor, (ids) => ids.offset(slot('offset')))
    .toSQL()
  return db
    .from('experiments')
    .select(SHOWN_EXPERIMENT_COLUMNS)
    .joinRaw(
      `JOIN (${pageIds.sql}) page_ids ON page_ids.id = experiments.id`,
      pageIds.bindings as RawQueryBindings
    )
    .orderBy('experiments.id', 'desc')
})

/** The first or the last word of a pattern's range: one step into the primary key. */
function wordAtEnd(pattern: string, direction: 'asc' | 'desc') {
  return db
    .from('experiment_words')
    .select('word')
    .where('word', 'like', pattern)
    .orderBy('word', direction)
    .limit(1)
}

/**
 * Per search word (`pattern<i>`): the lowest and highest word of its range (`lowest<i>`,
 * `highest<i>`, null when none) and its entries up to RARE_ENOUGH (`entries<i>`; with one
 * word there is nothing to choose, and the count reads them all anyway), with the versions.
 */
function wordRanges(words: number, slot: (name: string) => never) {
  const query = db.query().select(wordsVersions())
  for (let index = 0; index < words; index++) {
    const pattern = slot(`pattern${index}`)
    query.select(
      wordAtEnd(pattern, 'asc').as(`lowest${index}`),
      wordAtEnd(pattern, 'desc').as(`highest${index}`)
    )
    if (words > 1) {
      const capped = db
        .from('experiment_words')
        .select(db.raw('1'))
        .where('word', 'like', pattern)
        .limit(RARE_ENOUGH)
      query.select(db.from(capped.as('capped')).count('* as entries').as(`entries${index}`))
    }
  }
  return query
}

/**
 * How a search reads its rows fastest, from its count (ADR 11; remembered while the words'
 * versions stay the same, ADR 12): the statements' base shape, the parameters (the driving
 * word's one stored word, SQLite's narrowed FTS5 query) and what the count found.
 */
type SearchPlan = {
  base: `${number}|${'s' | ''}`
  patterns: string[]
  parameters: Parameters
  counted: Counted
}

async function searchPlan(
  words: string[],
  source: ExperimentSource | undefined
): Promise<SearchPlan> {
  const { patterns, match } = searchTerms(words)
  const parameters: Parameters = { match }
  patterns.forEach((pattern, index) => (parameters[`pattern${index}`] = pattern))
  if (source) {
    parameters.source = source
  }
  const base = `${words.length}|${source ? 's' : ''}` as const
  const sqlite = db.connection().dialect.name.includes('sqlite')
  const counted = await countRemembered(`${source ?? ''}|${patterns.join(' ')}`, () =>
    sqlite ? countFtsMatches(base, words, parameters) : countWordTableMatches(base, parameters)
  )
  if (counted.sole !== undefined) {
    parameters.sole = counted.sole
  }
  if (counted.fts !== undefined) {
    parameters.match = counted.fts
  }
  return { base, patterns, parameters, counted }
}

/**
 * The rows of a plan, `window` (LIMIT, and OFFSET or the id to read below) as `reads` says:
 * a page or the rows after a cursor, its other words checked per candidate (`probed`) or, past
 * `probedUpTo` matches, as the optimiser likes.
 */
async function plannedRows(
  { base, patterns, parameters, counted }: SearchPlan,
  reads: 'page' | 'after',
  probed: boolean,
  window: Parameters
) {
  const { sole, driver, exactOthers } = counted
  const ordered = drivenBy(patterns, driver ?? 0)
  let marks = sole === undefined ? '' : 'sole'
  if (sole !== undefined && probed && exactOthers) {
    exactOthers.forEach((word, index) => word && (ordered[`pattern${index + 1}`] = word))
    marks += exactOthers.map((word) => (word ? '=' : '~')).join('')
  }
  const kind = probed ? reads : reads === 'page' ? 'deep' : 'deepAfter'
  const rows = await searchStatements.rows(`${base}|${marks}|${kind}` as SearchShape, {
    ...parameters,
    ...ordered,
    ...window,
  })
  return rows.map(listedExperiment)
}

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
  const plan = await searchPlan(words, source)
  const { total, probedUpTo } = plan.counted
  const offset = (page - 1) * perPage
  if (total <= offset) {
    return { total, rows: [] }
  }
  const probed = offset + perPage <= (probedUpTo ?? Infinity)
  return { total, rows: await plannedRows(plan, 'page', probed, { limit: perPage, offset }) }
}

/**
 * Up to `limit` matches of a search below the id `beforeId`, newest first (keyset paging,
 * ADR 9): read as a page of the same search is, from the driving word's ids below the
 * cursor, so that a search is as fast by cursor as by number. Its plan needs the count,
 * which is remembered (no total is returned).
 */
export async function searchedExperimentsAfter(
  words: string[],
  source: ExperimentSource | undefined,
  beforeId: number,
  limit: number
) {
  if (words.length === 0) {
    return []
  }
  const plan = await searchPlan(words, source)
  if (plan.counted.total === 0) {
    return []
  }
  // Checked per candidate from the cursor down, `limit` matches cost what a first page does.
  const probed = limit <= (plan.counted.probedUpTo ?? Infinity)
  return plannedRows(plan, 'after', probed, { limit, beforeId })
}

/**
 * What a search counted: the total; on MySQL/MariaDB also which pattern drives (`driver`,
 * an index into `searchTerms`' patterns: the rarest), the one word its range holds, if so,
 * and up to how many matches a page is cheaper checking the other words per candidate
 * (`probedUpTo`); on SQLite the FTS5 query its page reads (`fts`), when not the search's own.
 */
type Counted = {
  total: number
  sole?: string
  driver?: number
  fts?: string
  probedUpTo?: number
  /** Per other pattern in driving order, the one word its range holds, if so (null if not). */
  exactOthers?: Array<string | null>
}

/**
 * MySQL/MariaDB: a check per candidate costs about as much as this many entries of a range
 * the semi-join reads instead (5 µs against 0.4–0.5; "lithium-ion": 20 ids at offset 600
 * cost the same 2.2 ms both ways, at offset 6,000 20 ms checked per candidate, 5 ms as a
 * semi-join).
 */
const CHECK_COSTS_ENTRIES = 10
/** A count and the versions of the words it holds for (null: none known, not remembered). */
type CountedUnder = { counted: Counted; versions: string | null }
type Parameters = Record<string, string | number>

/** The patterns as parameters, the driving one first (`pattern0`), the others in order. */
function drivenBy(patterns: string[], driver: number): Parameters {
  const ordered = [patterns[driver], ...patterns.filter((_, index) => index !== driver)]
  return Object.fromEntries(ordered.map((pattern, index) => [`pattern${index}`, pattern]))
}

/**
 * Totals counted, by search (`source|patterns`); a few hundred bytes each. Counting
 * "perovskite" on MariaDB reads its 6,296 index entries (2–5 ms per statement under load);
 * counting "in" on SQLite, 41,469 experiments through FTS5, 1.6 ms of the portal's own thread.
 * The versions are one short read (0.1–0.2 ms on MariaDB, ADR 12).
 */
const rememberedTotals = new RememberedSearchTotals<Counted>(1000)

/**
 * A total counted before is taken again while the words' versions are the ones it was
 * counted under (ADR 12): no write since has changed what the search finds.
 */
async function countRemembered(
  search: string,
  countNow: () => Promise<CountedUnder>
): Promise<Counted> {
  const remembered = rememberedTotals.recall(search)
  if (remembered) {
    const [{ versions }] = await searchStatements.rows('0|||versions', {})
    if (versions === remembered.versions) {
      return remembered.counted
    }
  }
  const counted = await countNow()
  // No count rows (no experiment written yet, or emptied after a TRUNCATE): nothing to key it by.
  if (counted.versions !== null) {
    rememberedTotals.remember(search, counted.versions, counted.counted)
  }
  return counted.counted
}

/**
 * MySQL/MariaDB: the count, with the versions it holds for (read by the same statement).
 * First each word's range (ADR 11): a word that starts none matches nothing; otherwise the
 * word with the fewest entries drives — the page walks its ids in order and checks the others per
 * candidate, so the fewer candidates per match, the sooner it stops ("scattering ID11": 4,932
 * entries of "id11" against 25,077 of "scattering"). Of words past RARE_ENOUGH, one that
 * starts a single word drives before one that starts several (whose ids come unordered),
 * then the longest. When the driving word starts a single word, each experiment is in its
 * range once: `count(*)` is exact and the page reads that word by equality; the count reads
 * the range's ends again, and should a write have added a word meanwhile, counts distinct
 * experiments instead. Otherwise the distinct experiments are counted.
 */
async function countWordTableMatches(
  base: `${number}|${'s' | ''}`,
  parameters: Parameters
): Promise<CountedUnder> {
  const words = Number(base.split('|')[0])
  const [ranges] = await searchStatements.rows(`${words}|||words`, parameters)
  const patterns = Array.from({ length: words }, (_, index) =>
    String(parameters[`pattern${index}`])
  )
  const found = patterns.map((_, index) => ({
    index,
    sole: ranges[`lowest${index}`] === ranges[`highest${index}`],
    lowest: ranges[`lowest${index}`] as string | null,
    entries: Math.min(Number(ranges[`entries${index}`] ?? 0), RARE_ENOUGH),
  }))
  if (found.some((range) => range.lowest === null)) {
    return { counted: { total: 0 }, versions: ranges.versions as string | null }
  }
  const [driving] = found.sort(
    (a, b) => a.entries - b.entries || Number(b.sole) - Number(a.sole) || a.index - b.index
  )
  const driver = driving.index
  const counting = { ...parameters, ...drivenBy(patterns, driver) }
  if (driving.sole) {
    const [counted] = await searchStatements.rows(`${base}|sole|count`, {
      ...counting,
      sole: driving.lowest!,
    })
    if (counted.lowest === driving.lowest && counted.highest === driving.lowest) {
      const total = Number(counted.total)
      // Walking the driver's ids checks this many candidates per match; the semi-join reads
      // the other words' ranges once (as counted, up to RARE_ENOUGH each).
      const candidatesPerMatch = driving.entries / Math.max(total, 1)
      const others = found.slice(1).reduce((sum, range) => sum + range.entries, 0)
      const probedUpTo =
        words > 1 ? Math.floor(others / CHECK_COSTS_ENTRIES / candidatesPerMatch) : undefined
      // The other words' ranges (in the order of `drivenBy`) as the first statement read
      // them: only if no write came between the two statements may a page check them by
      // equality.
      const exactOthers =
        ranges.versions === counted.versions
          ? [...found.slice(1)]
              .sort((a, b) => a.index - b.index)
              .map((range) => (range.sole ? range.lowest : null))
          : undefined
      return {
        counted: { total, sole: driving.lowest!, driver, probedUpTo, exactOthers },
        versions: counted.versions as string | null,
      }
    }
  }
  const [counted] = await searchStatements.rows(`${base}||count`, counting)
  return {
    counted: { total: Number(counted.total), driver },
    versions: counted.versions as string | null,
  }
}

/**
 * SQLite: `count(*)` of the FTS5 match. A prefix ("perovskite"*) makes FTS5 gather the
 * experiments of every indexed word it starts before the first is read (0.33 ms to count
 * "perovskite", 0.19 ms for its page, 100,000 experiments); one word is read in order
 * (0.21 and 0.04 ms). So the words each search word starts are looked up first (0.13 ms
 * each, once per count): none, and nothing matches; one, and the search reads that word
 * instead (`fts`; a page of "scattering ID11" 0.09 ms instead of 0.36) — a search of one
 * word without a source filter takes its experiments as the total. Only a word of ASCII
 * letters and digits is looked up: the index folds case and accents (`remove_diacritics 2`),
 * which only ASCII is sure to match unchanged. The look-ups and the count are separate
 * statements: should a write have come between them (other versions), the search's own
 * prefixes are counted instead, so that what is remembered is one read's.
 */
async function countFtsMatches(
  base: `${number}|${'s' | ''}`,
  words: string[],
  parameters: Parameters
): Promise<CountedUnder> {
  const sole = new Map<string, string>()
  const versionsSeen = new Set<string | null>()
  let doc = 0
  // The longest first: the likeliest to start nothing, which ends the search.
  for (const word of [...words].sort((a, b) => b.length - a.length)) {
    if (!/^[a-z0-9]+$/.test(word)) {
      continue
    }
    const following = String.fromCharCode(word.charCodeAt(word.length - 1) + 1)
    const started = (await searchStatements.rows(`${base}||vocabulary`, {
      from: word,
      to: `${word.slice(0, -1)}${following}`,
    })) as Array<{ term: string; doc: number; versions: string | null }>
    if (started.length === 0) {
      // Not remembered (no versions read): the look-up alone tells it next time too.
      return { counted: { total: 0 }, versions: null }
    }
    if (started.length === 1) {
      sole.set(word, started[0].term)
      doc = Number(started[0].doc)
      versionsSeen.add(started[0].versions)
    }
  }
  if (sole.size > 0 && versionsSeen.size === 1) {
    const [versions] = versionsSeen
    const fts = ftsQuery(words, sole)
    if (words.length === 1 && parameters.source === undefined) {
      return { counted: { total: doc, fts }, versions }
    }
    const [counted] = await searchStatements.rows(`${base}||count`, { ...parameters, match: fts })
    if (counted.versions === versions) {
      return { counted: { total: Number(counted.total), fts }, versions }
    }
  }
  const [counted] = await searchStatements.rows(`${base}||count`, parameters)
  return { counted: { total: Number(counted.total) }, versions: counted.versions as string | null }
}
