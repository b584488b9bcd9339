import { HttpContext } from '@adonisjs/core/http'
import { BaseSerializer } from '@adonisjs/core/transformers'

/**
 * The API's serializer, as AdonisJS 7 sets one up: a single item or
 * collection answers wrapped in `data`. A list answers `{data, meta}`:
 * its rows serialized without wrapping, put in a page by `listPage`
 * (app/transformers/list_page.ts), and not through the transformers'
 * paginator, whose block the framework names `metadata`.
 */
class ApiSerializer extends BaseSerializer<{ Wrap: 'data'; PaginationMetaData: never }> {
  wrap: 'data' = 'data'

  definePaginationMetaData(): never {
    throw new Error('Lists answer {data, meta}: serialize listPage(…) without wrapping')
  }
}

const serializer = new ApiSerializer()

type Serialize = ApiSerializer['serialize'] & {
  withoutWrapping: ApiSerializer['serializeWithoutWrapping']
}

/** Bound to the request, so that transformers resolve what they inject from its container. */
HttpContext.getter(
  'serialize',
  function (this: HttpContext) {
    const resolver = this.containerResolver
    return Object.assign((data: unknown) => serializer.serialize(data, resolver), {
      withoutWrapping: (data: unknown) => serializer.serializeWithoutWrapping(data, resolver),
    }) as Serialize
  },
  true
)

declare module '@adonisjs/core/http' {
  export interface HttpContext {
    serialize: Serialize
  }
}

export default class ApiProvider {}
