import { HttpContext } from '@adonisjs/core/http'
import { RuntimeException } from '@adonisjs/core/exceptions'
import { BaseSerializer } from '@adonisjs/core/transformers'
import type { ApplicationService } from '@adonisjs/core/types'

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

export default class ApiProvider {
  constructor(protected app: ApplicationService) {}

  /**
   * A request's context is not bound in its container: actions, middleware
   * and transformers get it as an argument, and nothing takes it (or the
   * request's logger) by injection. Binding both on every request cost two
   * checks of the classes' source text, 1.2 µs of /health/live's 70
   * (docs/benchmarks.md, stop 29). A class that asked for it anyway would
   * otherwise be handed a context made of nothing.
   */
  register() {
    this.app.container.bind(HttpContext, () => {
      throw new RuntimeException(
        "The request context is not injected: take it as the action's first argument"
      )
    })
  }
}
