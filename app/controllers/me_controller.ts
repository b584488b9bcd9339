import type { HttpContext } from '@adonisjs/core/http'
import UserTransformer from '#transformers/user_transformer'

export default class MeController {
  async show(ctx: HttpContext) {
    return ctx.serialize(UserTransformer.transform(ctx.auth.getUserOrFail()))
  }
}
