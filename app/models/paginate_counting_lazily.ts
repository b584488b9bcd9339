import { ModelPaginator } from '@adonisjs/lucid/orm'
import { SimplePaginator } from '@adonisjs/lucid/database'
import type { LucidModel, ModelQueryBuilderContract } from '@adonisjs/lucid/types/model'

type Query<Model extends LucidModel> = ModelQueryBuilderContract<Model, InstanceType<Model>>

/**
 * Reads one row more than the page and tells the total from it when it can:
 * when that row is missing, the total is the rows before the page plus the
 * page's rows (the usual case for a scientist's lists, which fit on their
 * first page), and `count()` is not run. For queries run without a query
 * builder (PreparedSelect); the builders' pages below use it too.
 */
export async function pageCountingLazily<Row>(
  page: number,
  perPage: number,
  read: (limit: number, offset: number) => Promise<Row[]>,
  count: () => Promise<number>
) {
  const skipped = (page - 1) * perPage
  const rows = await read(perPage + 1, skipped)
  const total =
    rows.length <= perPage && (rows.length > 0 || page === 1)
      ? skipped + rows.length
      : await count()
  return { rows: rows.length > perPage ? rows.slice(0, perPage) : rows, total, page, perPage }
}

function countingLazily<Model extends LucidModel, Row>(
  query: Query<Model>,
  page: number,
  perPage: number,
  read: (rows: Query<Model>) => Promise<Row[]>
) {
  return pageCountingLazily(
    page,
    perPage,
    (limit, offset) => read(query.clone().offset(offset).limit(limit)),
    async () => {
      const [counted] = await query
        .clone()
        .clearOrder()
        .clearLimit()
        .clearOffset()
        .clearSelect()
        .count('* as total')
        .pojo<{ total: number | string }>()
      return Number(counted.total)
    }
  )
}

/**
 * A page like Lucid's `paginate`, with the same paginator and meta, that
 * runs the `count(*)` only when the page cannot tell the total itself.
 * Models with paginate or fetch hooks must not use it (none do).
 */
export async function paginateCountingLazily<Model extends LucidModel>(
  query: Query<Model>,
  page: number,
  perPage: number
) {
  const { rows, total } = await countingLazily(query, page, perPage, (rowsQuery) => rowsQuery)
  const paginator = new ModelPaginator(total, perPage, page, ...rows)
  paginator.namingStrategy = query.model.namingStrategy
  return paginator
}

/**
 * The same page as plain rows (`pojo()`), column names as the database
 * answers them: for lists that build their answer from the row itself.
 */
export async function paginatePlainCountingLazily<Model extends LucidModel>(
  query: Query<Model>,
  page: number,
  perPage: number
) {
  const { rows, total } = await countingLazily(query, page, perPage, (rowsQuery) =>
    rowsQuery.pojo<Record<string, unknown>>()
  )
  const paginator = new SimplePaginator(total, perPage, page, ...rows)
  paginator.namingStrategy = query.model.namingStrategy
  return paginator
}
