/*
 * Statements per request, counted by MariaDB itself: the portal under
 * measurement connects as its own database account, and MariaDB's user
 * statistics (`userstat`, information_schema.USER_STATISTICS) count every
 * statement that account runs. Other sessions on a shared server use other
 * accounts, so their statements do not blur the count.
 */
import type { Connection } from 'mysql2/promise'

export const BENCH_DB_USER = 'portal_bench'
const BENCH_DB_PASSWORD = 'bench-only-password'

/** Creates the bench's own account on the bench database and turns user statistics on. */
export async function prepareStatementCounting(db: Connection, database: string) {
  for (const host of ['127.0.0.1', 'localhost']) {
    await db.query(`CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?`, [
      BENCH_DB_USER,
      host,
      BENCH_DB_PASSWORD,
    ])
    await db.query(`GRANT ALL PRIVILEGES ON \`${database}\`.* TO ?@?`, [BENCH_DB_USER, host])
  }
  await db.query('SET GLOBAL userstat = 1')
  return { DB_USER: BENCH_DB_USER, DB_PASSWORD: BENCH_DB_PASSWORD }
}

/** Every statement the bench account has run so far (reads, writes, others). */
export async function statementsSoFar(db: Connection) {
  const [rows] = (await db.query(
    `SELECT SELECT_COMMANDS AS selects, UPDATE_COMMANDS AS updates, OTHER_COMMANDS AS other_commands
       FROM information_schema.USER_STATISTICS WHERE USER = ?`,
    [BENCH_DB_USER]
  )) as any
  const row = rows[0] ?? { selects: 0, updates: 0, other_commands: 0 }
  return {
    reads: Number(row.selects),
    writes: Number(row.updates),
    others: Number(row.other_commands),
  }
}

/**
 * Statements per request of one route: `count` requests one after the
 * other, the account's counters read before and after.
 */
export async function statementsPerRequest(
  db: Connection,
  request: () => Promise<unknown>,
  count = 20
) {
  const before = await statementsSoFar(db)
  for (let index = 0; index < count; index++) {
    await request()
  }
  const after = await statementsSoFar(db)
  const reads = (after.reads - before.reads) / count
  const writes = (after.writes - before.writes) / count
  const others = (after.others - before.others) / count
  return { reads, writes, others, total: reads + writes + others }
}
