/** The pagination block every list answers with (the OpenAPI `ListMeta`). */
export type ListMeta = { total: number; perPage: number; currentPage: number; lastPage: number }

/**
 * What the services' lists return: a Lucid paginator, as far as a page
 * needs one. Its own fields, not `getMeta()`, which also writes four page
 * URLs (query strings included) that no answer sends.
 */
type Page = { total: unknown; perPage: unknown; currentPage: unknown; lastPage: unknown }

/**
 * One page of a list as the API answers it, `{data, meta}`: the rows as
 * their transformer shows them (`ctx.serialize.withoutWrapping` of the
 * transformer's collection), the page's place in the whole, and whatever
 * else a list tells about itself (`extra`).
 */
export function listPage<Data, Extra extends Record<string, unknown> = {}>(
  data: Data,
  page: Page,
  extra?: Extra
) {
  const { total, perPage, currentPage, lastPage } = page
  const meta: ListMeta = {
    total: Number(total),
    perPage: Number(perPage),
    currentPage: Number(currentPage),
    lastPage: Number(lastPage),
  }
  return { data, meta: { ...meta, ...(extra as Extra) } }
}
