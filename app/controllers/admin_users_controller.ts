import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import RequestOrigin from '#services/request_origin'
import UserAdminService from '#services/accounts/user_admin_service'
import UserErasureService from '#services/accounts/user_erasure_service'
import UserTransformer from '#transformers/user_transformer'
import { listPage } from '#transformers/list_page'
import AdminEnvironmentTransformer from '#transformers/admin_environment_transformer'
import {
  adminUserListValidator,
  adminUserParamsValidator,
  adminUserUpdateValidator,
} from '#validators/admin_user'

type Data = { data: unknown }

/**
 * Accounts for admins: search, details, roles and disabling, and erasure.
 */
export default class AdminUsersController {
  @inject()
  async index(ctx: HttpContext, users: UserAdminService) {
    const filters = await ctx.request.validateUsing(adminUserListValidator, {
      data: ctx.request.qs(),
    })
    const page = await users.list(filters)
    return listPage(
      await ctx.serialize.withoutWrapping(UserTransformer.transform(page.all())),
      page
    )
  }

  @inject()
  async show(ctx: HttpContext, users: UserAdminService) {
    const { user, quota, environments } = await users.details(await this.#id(ctx))
    const account = (await ctx.serialize(UserTransformer.transform(user))) as unknown as Data
    const owned = (await ctx.serialize(
      AdminEnvironmentTransformer.transform(environments)
    )) as unknown as Data
    return { data: { ...(account.data as object), quota, environments: owned.data } }
  }

  @inject()
  async update(ctx: HttpContext, users: UserAdminService) {
    const id = await this.#id(ctx)
    const changes = await ctx.request.validateUsing(adminUserUpdateValidator)
    const user = await users.update(
      ctx.auth.getUserOrFail(),
      id,
      changes,
      RequestOrigin.fromHttp(ctx)
    )
    return ctx.serialize(UserTransformer.transform(user))
  }

  @inject()
  async destroy(ctx: HttpContext, erasure: UserErasureService) {
    const id = await this.#id(ctx)
    await erasure.erase(ctx.auth.getUserOrFail(), id, RequestOrigin.fromHttp(ctx))
    return ctx.response.noContent()
  }

  async #id(ctx: HttpContext) {
    const { params } = await ctx.request.validateUsing(adminUserParamsValidator, {
      data: { params: ctx.params },
    })
    return params.id
  }
}
