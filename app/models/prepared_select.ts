import db from '@adonisjs/lucid/services/db'
import { SimplePaginator } from '@adonisjs/lucid/database'
import { pageCountingLazily } from '#models/paginate_counting_lazily'
import { rowsOf } from '#models/raw_rows'
import { SERVER_PREPARED } from '#models/mysql_prepared_statements'
import { sqlWithOpaqueParameters } from '#models/sqlite_statements'

type Value = string | number | boolean

/** What of knex's client (a pool's, or a transaction's pinned to its connection) runs SQL. */
type DriverClient = {
  acquireConnection(): Promise<unknown>
  releaseConnection(connection: unknown): Promise<unknown>
  query(
    connection: unknown,
    query: { sql: string; bindings: unknown[]; method: 'raw'; options: typeof SERVER_PREPARED }
  ): Promise<{
    response: any
  }>
}

/**
 * Runs constant SQL the way knex's runner does underneath `raw()`: a
 * connection from the client (a transaction's client hands out its own and
 * refuses one that is finished), `client.query` (which emits the `query`
 * event that statement counts and debug output listen to, and writes the
 * SQL into a failure's message), the connection given back. Without the
 * runner, the Raw builder and its `toSQL` per request. Marked SERVER_PREPARED:
 * on MySQL/MariaDB a prepared statement kept by the connection (SQLite's
 * connections keep theirs anyway, sqlite_statements.ts).
 */
async function runOnDriver(client: DriverClient, sql: string, bindings: unknown[]) {
  const connection = await client.acquireConnection()
  try {
    const { response } = await client.query(connection, {
      sql,
      bindings,
      method: 'raw',
      options: SERVER_PREPARED,
    })
    return response
  } finally {
    await client.releaseConnection(connection)
  }
}
type Parameters = Record<string, Value>

/** Stands in for a parameter while the query builder writes the SQL. */
type Slot = <Name extends string>(name: Name) => never

/** Where each binding of the built SQL comes from: a parameter, or a value the shape fixed. */
type Binding = { parameter: string } | { constant: Value }

type Built = { sql: string; bindings: Binding[] }

/** What comes before `|page` in a shape that reads a page (`<base>|page`, `<base>|count`). */
type PagedBase<Shape extends string> = Shape extends `${infer Base}|page` ? Base : never

/** Anything the query builders return that can show its SQL. */
type Buildable = { toSQL(): { sql: string; bindings: readonly unknown[] } }

// Numbers for slots the builder needs as numbers (limit, offset); no real page goes this far.
const FIRST_NUMERIC_SLOT = 2_000_000_000
const TEXT_SLOT = '\u0000slot:'

/**
 * A SELECT a hot list runs on every request: written once per shape (the
 * choices that change its SQL, such as sort order or which filters are
 * on) by the query builder, so that the dialect quotes it, then run with
 * each request's values as constant SQL with bindings through the
 * connection's own knex client (the per-test transaction included). No
 * query builder, compilation, runner or model per request; rows come back
 * as the driver reads them.
 */
export class PreparedSelect<Shape extends string> {
  #built = new Map<string, Built>()

  /**
   * `build(shape, slot)` writes the query of one shape, with `slot(name)`
   * wherever a parameter goes (a parameter that is a number must be one).
   */
  constructor(private build: (shape: Shape, slot: Slot) => Buildable) {}

  /** The rows of `shape` with these parameters. */
  async rows(shape: Shape, parameters: Parameters): Promise<Record<string, unknown>[]> {
    const connection = db.connection()
    const { sql, bindings } = this.statement(shape, parameters, connection)
    const client = connection.getReadClient().client
    return rowsOf(await runOnDriver(client, sql, bindings))
  }

  /** The SQL and bindings `rows(shape, parameters)` runs: for its plan (EXPLAIN) in tests. */
  statement(shape: Shape, parameters: Parameters, connection = db.connection()) {
    const { sql, bindings } = this.#prepare(connection.dialect.name, shape, parameters)
    const values = bindings.map((binding) =>
      'parameter' in binding ? parameters[binding.parameter] : binding.constant
    )
    return { sql, bindings: values }
  }

  /**
   * One page of a list whose shapes come in pairs: `<base>|page` (reading
   * `limit` and `offset`) and `<base>|count` (answering `total`), the
   * count run only when the page cannot tell the total (pageCountingLazily).
   */
  async page(base: PagedBase<Shape>, parameters: Parameters, page: number, perPage: number) {
    const { rows, total } = await pageCountingLazily(
      page,
      perPage,
      (limit, offset) => this.rows(`${base}|page` as Shape, { ...parameters, limit, offset }),
      async () => {
        const [counted] = await this.rows(`${base}|count` as Shape, parameters)
        return Number(counted.total)
      }
    )
    return { rows, paginator: new SimplePaginator(total, perPage, page) }
  }

  #prepare(dialect: string, shape: Shape, parameters: Parameters) {
    const key = `${dialect}:${shape}`
    const known = this.#built.get(key)
    if (known) {
      return known
    }
    const slots = new Map<unknown, string>()
    const slot = ((name: string) => {
      const standIn =
        typeof parameters[name] === 'number' ? FIRST_NUMERIC_SLOT + slots.size : TEXT_SLOT + name
      slots.set(standIn, name)
      return standIn
    }) as Slot
    const { sql, bindings } = this.build(shape, slot).toSQL()
    const built: Built = {
      // On SQLite, parameters the planner cannot look at: else it plans again on every run.
      sql: dialect.includes('sqlite') ? sqlWithOpaqueParameters(sql, bindings.length) : sql,
      bindings: bindings.map((value) =>
        slots.has(value) ? { parameter: slots.get(value)! } : { constant: value as Value }
      ),
    }
    this.#built.set(key, built)
    return built
  }
}
