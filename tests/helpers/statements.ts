import db from '@adonisjs/lucid/services/db'

/** The SQL statements the database runs while `work` runs. */
export async function statementsDuring(work: () => Promise<unknown>) {
  const statements: string[] = []
  const knex = db.connection().getWriteClient()
  const listener = (query: { sql: string }) => statements.push(query.sql)
  knex.on('query', listener)
  try {
    await work()
  } finally {
    knex.off('query', listener)
  }
  return statements
}
