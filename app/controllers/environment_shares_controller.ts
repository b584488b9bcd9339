import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import RequestOrigin from '#services/request_origin'
import EnvironmentSharing from '#services/environments/environment_sharing'
import EnvironmentShareTransformer from '#transformers/environment_share_transformer'
import type { EnvironmentDoor } from '#policies/environment_policy'
import {
  environmentParamsValidator,
  shareParamsValidator,
  shareValidator,
} from '#validators/environment'

/**
 * The colleagues an environment is shared with: its owner's
 * (/api/v1/environments/:id/shares) and, through the admin door, anyone's
 * (/api/v1/admin/environments/:id/shares).
 */
@inject()
export default class EnvironmentSharesController {
  constructor(protected sharing: EnvironmentSharing) {}

  index(ctx: HttpContext) {
    return this.#index(ctx, 'owner')
  }

  adminIndex(ctx: HttpContext) {
    return this.#index(ctx, 'admin')
  }

  async store(ctx: HttpContext) {
    const { params } = await ctx.request.validateUsing(environmentParamsValidator, {
      data: { params: ctx.params },
    })
    const input = await ctx.request.validateUsing(shareValidator)
    const { share, created } = await this.sharing.share(
      ctx.auth.getUserOrFail(),
      params.id,
      'owner',
      input,
      RequestOrigin.fromHttp(ctx)
    )
    ctx.response.status(created ? 201 : 200)
    return ctx.serialize(EnvironmentShareTransformer.transform(share))
  }

  destroy(ctx: HttpContext) {
    return this.#destroy(ctx, 'owner')
  }

  adminDestroy(ctx: HttpContext) {
    return this.#destroy(ctx, 'admin')
  }

  async #index(ctx: HttpContext, door: EnvironmentDoor) {
    const { params } = await ctx.request.validateUsing(environmentParamsValidator, {
      data: { params: ctx.params },
    })
    const shares = await this.sharing.list(ctx.auth.getUserOrFail(), params.id, door)
    return ctx.serialize(EnvironmentShareTransformer.transform(shares))
  }

  async #destroy(ctx: HttpContext, door: EnvironmentDoor) {
    const { params } = await ctx.request.validateUsing(shareParamsValidator, {
      data: { params: ctx.params },
    })
    await this.sharing.revoke(
      ctx.auth.getUserOrFail(),
      params.id,
      door,
      params.userId,
      RequestOrigin.fromHttp(ctx)
    )
    return ctx.response.noContent()
  }
}
