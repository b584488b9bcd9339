/*
 * The statements behind the admins' experiment list at 100,000 experiments,
 * before and after ADR 10, timed from the client and interleaved (old, new,
 * old, new …) so that the shared machine's load falls on both alike: on
 * MariaDB (the seeded bench database) and on SQLite (a copy of it,
 * bench/sqlite_copy.ts). Prints median and slowest per list request. The
 * searches read what the portal reads since ADR 11: `experiment_words` on
 * MariaDB (migration 0110), the FTS5 table on SQLite (migration 0080).
 *
 *   npm run bench -- admin_list_queries
 *   BENCH_ROUNDS=50 …   (rounds per request, default 30)
 */
import Database from 'better-sqlite3'
import { connectBenchDatabase, seedFacility } from './seed_facility.ts'
import { copyFacilityToSqlite } from './sqlite_copy.ts'
import { loadAverage, machineLine } from './machine.ts'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30)
const NO_MATCH = 'qqqzzz'
const PER_PAGE = 20

const db = await connectBenchDatabase()
const facility = await seedFacility(db, { appKey: process.env.APP_KEY! })
const term = facility.scientist.searchTerm
const lastOffset = facility.size.experiments - PER_PAGE
const copy = await copyFacilityToSqlite(db)
const sqlite = new Database(copy.file, { readonly: true })

/** One list request's statements, timed together. */
type Request = { name: string; statements: Array<[string, unknown[]]> }
// What app/models/experiment_search.ts runs for a one-word search with no other filter
// (several words a word starts can be one experiment's: grouped on MariaDB).
const MATCHES = {
  MariaDB: {
    from: 'experiment_words WHERE word LIKE ? GROUP BY experiment_id',
    id: 'experiment_id',
    query: (word: string) => `${word}%`,
  },
  SQLite: {
    from: 'experiments_search WHERE experiments_search MATCH ?',
    id: 'rowid',
    query: (word: string) => `"${word}"*`,
  },
}

function pairs(match: (typeof MATCHES)['MariaDB']): Array<[Request, Request]> {
  // Before (ADR 9): every matching id in one statement, counted and sliced by the server.
  // After (ADR 10): 20 ids and the database's count beside them (an empty page 1 means
  // none; only a page past the last counts in a second statement).
  const search = (word: string, name: string, empty: boolean): [Request, Request] => {
    const all = `SELECT ${match.id} AS id FROM ${match.from} ORDER BY ${match.id} DESC`
    const page =
      `SELECT ${match.id} AS id, count(*) OVER () AS total FROM ${match.from} ` +
      `ORDER BY ${match.id} DESC LIMIT ${PER_PAGE}`
    const count = `SELECT count(*) FROM (${all}) AS matches`
    return [
      { name, statements: [[all, [match.query(word)]]] },
      {
        name,
        statements: [
          [page, [match.query(word)]],
          ...(empty ? [[count, [match.query(word)]] as [string, unknown[]]] : []),
        ],
      },
    ]
  }
  const kept = 'SELECT sum(total) FROM experiment_counts'
  return [
    [
      {
        name: 'page 1 (count + ids)',
        statements: [
          ['SELECT count(*) FROM experiments', []],
          [`SELECT id FROM experiments ORDER BY id DESC LIMIT ${PER_PAGE}`, []],
        ],
      },
      {
        name: 'page 1 (kept total + ids)',
        statements: [
          [kept, []],
          [`SELECT id FROM experiments ORDER BY id DESC LIMIT ${PER_PAGE}`, []],
        ],
      },
    ],
    [
      {
        name: 'page 5,000 (count + OFFSET 99,980)',
        statements: [
          ['SELECT count(*) FROM experiments', []],
          [
            `SELECT id FROM experiments ORDER BY id DESC LIMIT ${PER_PAGE} OFFSET ${lastOffset}`,
            [],
          ],
        ],
      },
      {
        name: 'page 5,000 (kept total + oldest first)',
        statements: [
          [kept, []],
          [`SELECT id FROM experiments ORDER BY id ASC LIMIT ${PER_PAGE} OFFSET 0`, []],
        ],
      },
    ],
    search(term, `search "${term}" page 1 (all ids → 20 ids + count)`, false),
    search(NO_MATCH, 'search matching nothing (all ids → empty page 1)', false),
  ]
}

const stats = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  return `${sorted[Math.floor(sorted.length / 2)].toFixed(2)} / ${sorted[sorted.length - 1].toFixed(2)}`
}

async function time(database: keyof typeof MATCHES, request: Request) {
  const begin = performance.now()
  for (const [sql, params] of request.statements) {
    if (database === 'MariaDB') {
      await db.query(sql, params)
    } else {
      sqlite.prepare(sql).all(...params)
    }
  }
  return performance.now() - begin
}

console.log(
  `\n${machineLine(`${facility.size.experiments} experiments`, `${ROUNDS} rounds, before and after interleaved`)}`
)
console.log(
  '\n| database | before | after | before: median / slowest ms | after: median / slowest ms |'
)
console.log('| --- | --- | --- | --- | --- |')

async function compare(database: keyof typeof MATCHES, list: Array<[Request, Request]>) {
  for (const [before, after] of list) {
    const times: [number[], number[]] = [[], []]
    for (let round = 0; round < ROUNDS; round++) {
      times[0].push(await time(database, before))
      times[1].push(await time(database, after))
    }
    console.log(
      `| ${database} | ${before.name} | ${after.name} | ${stats(times[0])} | ${stats(times[1])} |`
    )
  }
}

try {
  for (const database of ['MariaDB', 'SQLite'] as const) {
    await compare(database, pairs(MATCHES[database]))
  }
  console.log(`\nload average at the end: ${loadAverage()}`)
} finally {
  sqlite.close()
  await copy.remove()
  await db.end()
}
