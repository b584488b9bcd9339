import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import FrameworkBodyParser from '@adonisjs/core/bodyparser_middleware'
import bodyParserConfig from '#config/bodyparser'

/** The methods whose bodies the framework's parser reads (config/bodyparser.ts). */
const PARSED_METHODS = new Set(bodyParserConfig.allowedMethods)

/**
 * The framework's body parser, with one more failure made the client's: a
 * JSON body nested a few thousand levels deep overflows the stack while it
 * is parsed or stored (a deep clone), which would otherwise be a 500.
 * Errors of later middleware and of the route pass through untouched.
 */
@inject()
export default class BodyParserMiddleware {
  constructor(protected parser: FrameworkBodyParser) {}

  handle(ctx: HttpContext, next: NextFn) {
    if (!PARSED_METHODS.has(ctx.request.method())) {
      // What the framework's parser does for such a request (no files, nothing
      // read), without its and this wrapper's async frames on every GET.
      ;(ctx.request as unknown as Record<string, unknown>).__raw_files = {}
      return next()
    }
    return this.#parsed(ctx, next)
  }

  async #parsed(ctx: HttpContext, next: NextFn) {
    let parsed = false
    try {
      return await this.parser.handle(ctx, () => {
        parsed = true
        return next()
      })
    } catch (error) {
      if (!parsed && error instanceof RangeError) {
        // Rendered as E_INVALID_JSON, like any body the parser cannot read.
        throw Object.assign(new SyntaxError('Request body is nested too deeply'), { status: 400 })
      }
      throw error
    }
  }
}
