import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import FrameworkBodyParser from '@adonisjs/core/bodyparser_middleware'

/**
 * The framework's body parser, with one more failure made the client's: a
 * JSON body nested a few thousand levels deep overflows the stack while it
 * is parsed or stored (a deep clone), which would otherwise be a 500.
 * Errors of later middleware and of the route pass through untouched.
 */
@inject()
export default class BodyParserMiddleware {
  constructor(protected parser: FrameworkBodyParser) {}

  async handle(ctx: HttpContext, next: NextFn) {
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
