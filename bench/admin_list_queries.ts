/*
 * The statements behind the admins' experiment list at 100,000 experiments,
 * before and after ADR 9, timed in the database itself and interleaved
 * (old, new, old, new …) so that the shared machine's load falls on both
 * alike: on MariaDB (the seeded bench database) and on SQLite (a copy of
 * it, bench/sqlite_copy.ts). Prints median and slowest per statement.
 *
 *   npm run bench -- admin_list_queries
 *   BENCH_ROUNDS=50 …   (rounds per statement, default 30)
 */
import os from 'node:os'
import Database from 'better-sqlite3'
import { connectBenchDatabase, seedFacility } from './seed_facility.ts'
import { copyFacilityToSqlite } from './sqlite_copy.ts'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30)

const db = await connectBenchDatabase()
const facility = await seedFacility(db, { appKey: process.env.APP_KEY! })
const term = facility.scientist.searchTerm
const like = `%${term}%`
const [[oldest]] = (await db.query(
  'SELECT id FROM experiments ORDER BY id ASC LIMIT 1 OFFSET 20'
)) as any
const lastOffset = facility.size.experiments - 20
const copy = await copyFacilityToSqlite(db)
const sqlite = new Database(copy.file, { readonly: true })

type Statement = { name: string; sql: string; params: unknown[] }
const LIKE_WHERE = `(proposal_id LIKE ? ESCAPE '!' OR title LIKE ? ESCAPE '!' OR instrument LIKE ? ESCAPE '!')`
const likeParams = [like, like, like]
const mysqlMatch = `MATCH (proposal_id, title, instrument) AGAINST (? IN BOOLEAN MODE)`
const sqliteMatch = `id IN (SELECT rowid FROM experiments_search WHERE experiments_search MATCH ?)`

function pairs(match: string, matchParam: string): Array<[Statement, Statement]> {
  return [
    [
      {
        name: 'search: count',
        sql: `SELECT count(*) FROM experiments WHERE ${LIKE_WHERE}`,
        params: likeParams,
      },
      {
        name: 'search: count',
        sql: `SELECT count(*) FROM experiments WHERE ${match}`,
        params: [matchParam],
      },
    ],
    [
      {
        name: 'search: page 1 ids',
        sql: `SELECT id FROM experiments WHERE ${LIKE_WHERE} ORDER BY id DESC LIMIT 20`,
        params: likeParams,
      },
      {
        name: 'search: page 1 ids',
        sql: `SELECT id FROM experiments WHERE ${match} ORDER BY id DESC LIMIT 20`,
        params: [matchParam],
      },
    ],
    [
      {
        name: 'last page ids (OFFSET → cursor)',
        sql: `SELECT id FROM experiments ORDER BY id DESC LIMIT 20 OFFSET ${lastOffset}`,
        params: [],
      },
      {
        name: 'last page ids (OFFSET → cursor)',
        sql: `SELECT id FROM experiments WHERE id < ? ORDER BY id DESC LIMIT 21`,
        params: [oldest.id],
      },
    ],
  ]
}

const stats = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  return `${sorted[Math.floor(sorted.length / 2)].toFixed(2)} / ${sorted[sorted.length - 1].toFixed(2)}`
}

async function timeMysql(statement: Statement) {
  const begin = performance.now()
  await db.query(statement.sql, statement.params)
  return performance.now() - begin
}

function timeSqlite(statement: Statement) {
  const begin = performance.now()
  sqlite.prepare(statement.sql).all(...(statement.params as unknown[]))
  return performance.now() - begin
}

console.log(
  `\nmachine: ${os.cpus().length} × ${os.cpus()[0].model}, load average ${os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')}; ${facility.size.experiments} experiments; search "${term}"; ${ROUNDS} rounds, ` +
    'old and new interleaved'
)
console.log('\n| database | statement | before: median / slowest ms | after: median / slowest ms |')
console.log('| --- | --- | --- | --- |')
try {
  for (const [database, match, matchParam] of [
    ['MariaDB', mysqlMatch, `+${term}*`],
    ['SQLite', sqliteMatch, `"${term}"*`],
  ] as const) {
    for (const [before, after] of pairs(match, matchParam)) {
      const times: [number[], number[]] = [[], []]
      for (let round = 0; round < ROUNDS; round++) {
        for (const [index, statement] of [before, after].entries()) {
          times[index].push(
            database === 'MariaDB' ? await timeMysql(statement) : timeSqlite(statement)
          )
        }
      }
      console.log(`| ${database} | ${before.name} | ${stats(times[0])} | ${stats(times[1])} |`)
    }
    // Asked by page, every page still counts all rows; asked by cursor, nothing is counted.
    const counts = []
    for (let round = 0; round < ROUNDS; round++) {
      const all = { name: 'count', sql: 'SELECT count(*) FROM experiments', params: [] }
      counts.push(database === 'MariaDB' ? await timeMysql(all) : timeSqlite(all))
    }
    console.log(
      `| ${database} | count of all rows (page mode) | ${stats(counts)} | none by cursor |`
    )
  }
  console.log(
    `\nload average at the end: ${os
      .loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}`
  )
} finally {
  sqlite.close()
  await copy.remove()
  await db.end()
}
