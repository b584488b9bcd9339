import { ModelPaginator } from '@adonisjs/lucid/orm'
import type { LucidModel, ModelQueryBuilderContract } from '@adonisjs/lucid/types/model'

/**
 * A page like Lucid's `paginate`, with the same paginator and meta, that
 * runs the `count(*)` only when the page cannot tell the total itself. It
 * reads one row more than the page: when that row is missing, the total is
 * the rows before the page plus the page's rows (the usual case for a
 * scientist's lists, which fit on their first page), and the count is
 * skipped. Models with paginate or fetch hooks must not use it (none do).
 */
export async function paginateCountingLazily<Model extends LucidModel>(
  query: ModelQueryBuilderContract<Model, InstanceType<Model>>,
  page: number,
  perPage: number
) {
  const skipped = (page - 1) * perPage
  const rows = await query
    .clone()
    .offset(skipped)
    .limit(perPage + 1)
  let total: number
  if (rows.length <= perPage && (rows.length > 0 || page === 1)) {
    total = skipped + rows.length
  } else {
    const [counted] = await query
      .clone()
      .clearOrder()
      .clearLimit()
      .clearOffset()
      .clearSelect()
      .count('* as total')
      .pojo<{ total: number | string }>()
    total = Number(counted.total)
  }
  const paginator = new ModelPaginator(total, perPage, page, ...rows.slice(0, perPage))
  paginator.namingStrategy = query.model.namingStrategy
  return paginator
}
