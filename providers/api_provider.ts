import { HttpContext } from '@adonisjs/core/http'
import { BaseSerializer } from '@adonisjs/core/transformers'

/** The pagination block every list endpoint returns. */
export type ListMeta = { total: number; perPage: number; currentPage: number; lastPage: number }

/**
 * Wraps every response in `data` and reduces Lucid's paginator metadata to
 * the documented `meta` block.
 */
class ApiSerializer extends BaseSerializer<{ Wrap: 'data'; PaginationMetaData: ListMeta }> {
  wrap: 'data' = 'data'

  definePaginationMetaData(metaData: unknown): ListMeta {
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

HttpContext.instanceProperty('serialize', function (this: HttpContext, values: any): any {
  return serializer.serialize(values, this.containerResolver)
})

export default class ApiProvider {}
