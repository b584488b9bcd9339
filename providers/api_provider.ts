import { HttpContext } from '@adonisjs/core/http'
import { BaseSerializer } from '@adonisjs/core/transformers'
import type { KeysetListMeta } from '#domain/list_cursor'

/** The pagination block every list endpoint returns. */
export type ListMeta = { total: number; perPage: number; currentPage: number; lastPage: number }

function isKeysetListMeta(metaData: unknown): metaData is KeysetListMeta {
  return typeof metaData === 'object' && metaData !== null && 'nextCursor' in metaData
}

/**
 * Wraps every response in `data` and reduces Lucid's paginator metadata to
 * the documented `meta` block; the lists with a cursor (KeysetListMeta)
 * build their block themselves and it passes as it is.
 */
class ApiSerializer extends BaseSerializer<{
  Wrap: 'data'
  PaginationMetaData: ListMeta | KeysetListMeta
}> {
  wrap: 'data' = 'data'

  definePaginationMetaData(metaData: unknown): ListMeta | KeysetListMeta {
    if (isKeysetListMeta(metaData)) {
      return metaData
    }
    if (!this.isLucidPaginatorMetaData(metaData)) {
      throw new Error('Expected Lucid paginator metadata')
    }
    const { total, perPage, currentPage, lastPage } = metaData as unknown as ListMeta
    return {
      total: Number(total),
      perPage: Number(perPage),
      currentPage: Number(currentPage),
      lastPage: Number(lastPage),
    }
  }
}

declare module '@adonisjs/core/http' {
  export interface HttpContext {
    serialize: ApiSerializer['serialize']
  }
}

const serializer = new ApiSerializer()

/**
 * The serializer names the pagination block "metadata"; the API documents
 * it as "meta" (the common JSON:API-style name the frontend expects).
 */
HttpContext.instanceProperty(
  'serialize',
  async function (this: HttpContext, values: any): Promise<any> {
    const output: any = await serializer.serialize(values, this.containerResolver)
    if (output && typeof output === 'object' && 'metadata' in output) {
      const { metadata, ...rest } = output
      return { ...rest, meta: metadata }
    }
    return output
  }
)

export default class ApiProvider {}
