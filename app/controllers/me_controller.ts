import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import { passwordChangeValidator } from '#validators/auth'
import PasswordChangeService from '#services/accounts/password_change_service'
import RequestOrigin from '#services/request_origin'
import { userValues } from '#transformers/user_transformer'

export default class MeController {
  /**
   * The caller's account, wrapped in `data` as the serializer wraps an
   * item: plain values and dates.
   */
  show(ctx: HttpContext) {
    return { data: userValues(ctx.auth.getUserOrFail()) }
  }

  /**
   * Changes a local account's password; the other sessions and every API
   * token of the account end, this session gets a fresh id.
   */
  @inject()
  async updatePassword(ctx: HttpContext, passwords: PasswordChangeService) {
    const input = await ctx.request.validateUsing(passwordChangeValidator)
    const user = ctx.auth.getUserOrFail()
    await passwords.change(user, input, RequestOrigin.fromHttp(ctx), ctx.session.sessionId)
    // A fresh session id, still tagged with the user (disabling the account ends it).
    ctx.session.regenerate()
    await ctx.session.tag(String(user.id))
    return ctx.response.noContent()
  }
}
