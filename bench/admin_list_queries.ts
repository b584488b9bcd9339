/*
 * The statements behind the admins' experiment list at 100,000 experiments,
 * before and after ADR 9, timed from the client and interleaved (old, new,
 * old, new …) so that the shared machine's load falls on both alike: on
 * MariaDB (the seeded bench database) and on SQLite (a copy of it,
 * bench/sqlite_copy.ts). Prints median and slowest per list request.
 *
 *   npm run bench -- admin_list_queries
 *   BENCH_ROUNDS=50 …   (rounds per request, default 30)
 */
import os from 'node:os'
import Database from 'better-sqlite3'
import { connectBenchDatabase, seedFacility } from './seed_facility.ts'
import { copyFacilityToSqlite } from './sqlite_copy.ts'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30)
const NO_MATCH = 'qqqzzz'

const db = await connectBenchDatabase()
const facility = await seedFacility(db, { appKey: process.env.APP_KEY! })
const term = facility.scientist.searchTerm
const [[oldest]] = (await db.query(
  'SELECT id FROM experiments ORDER BY id ASC LIMIT 1 OFFSET 20'
)) as any
const lastOffset = facility.size.experiments - 20
const copy = await copyFacilityToSqlite(db)
const sqlite = new Database(copy.file, { readonly: true })

/** One list request's statements, timed together. */
type Request = { name: string; statements: Array<[string, unknown[]]> }
const LIKE_WHERE = `(proposal_id LIKE ? ESCAPE '!' OR title LIKE ? ESCAPE '!' OR instrument LIKE ? ESCAPE '!')`
// What app/models/experiment_search.ts runs for a search with no other filter.
const MATCHES = {
  MariaDB: {
    ids: 'SELECT id FROM experiments WHERE MATCH (proposal_id, title, instrument) AGAINST (? IN BOOLEAN MODE) ORDER BY id DESC',
    query: (word: string) => `+${word}*`,
  },
  SQLite: {
    ids: 'SELECT rowid AS id FROM experiments_search WHERE experiments_search MATCH ? ORDER BY rowid DESC',
    query: (word: string) => `"${word}"*`,
  },
}

function pairs(match: (typeof MATCHES)['MariaDB']): Array<[Request, Request]> {
  // Before: count(*) and the page's ids, both over LIKE '%term%'. After: every matching id
  // from the full-text index in one statement (the server counts and slices them).
  const search = (word: string, name: string): [Request, Request] => {
    const like = [`%${word}%`, `%${word}%`, `%${word}%`]
    return [
      {
        name,
        statements: [
          [`SELECT count(*) FROM experiments WHERE ${LIKE_WHERE}`, like],
          [`SELECT id FROM experiments WHERE ${LIKE_WHERE} ORDER BY id DESC LIMIT 20`, like],
        ],
      },
      {
        name,
        statements: [[match.ids, [match.query(word)]]],
      },
    ]
  }
  return [
    search(term, `search "${term}" (count + page 1)`),
    search(NO_MATCH, 'search matching nothing (count + page 1)'),
    [
      {
        name: 'last page (count + OFFSET → cursor)',
        statements: [
          ['SELECT count(*) FROM experiments', []],
          [`SELECT id FROM experiments ORDER BY id DESC LIMIT 20 OFFSET ${lastOffset}`, []],
        ],
      },
      {
        name: 'last page (count + OFFSET → cursor)',
        statements: [
          ['SELECT id FROM experiments WHERE id < ? ORDER BY id DESC LIMIT 21', [oldest.id]],
        ],
      },
    ],
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

const load = () =>
  os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')
console.log(
  `\nmachine: ${os.cpus().length} × ${os.cpus()[0].model}, load average ${load()}; ` +
    `${facility.size.experiments} experiments; ${ROUNDS} rounds, before and after interleaved`
)
console.log(
  '\n| database | list request | before: median / slowest ms | after: median / slowest ms |'
)
console.log('| --- | --- | --- | --- |')
try {
  for (const database of ['MariaDB', 'SQLite'] as const) {
    for (const [before, after] of pairs(MATCHES[database])) {
      const times: [number[], number[]] = [[], []]
      for (let round = 0; round < ROUNDS; round++) {
        times[0].push(await time(database, before))
        times[1].push(await time(database, after))
      }
      console.log(`| ${database} | ${before.name} | ${stats(times[0])} | ${stats(times[1])} |`)
    }
  }
  console.log(`\nload average at the end: ${load()}`)
} finally {
  sqlite.close()
  await copy.remove()
  await db.end()
}
