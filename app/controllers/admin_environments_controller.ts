import { DateTime } from 'luxon'
import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import RequestOrigin from '#services/request_origin'
import EnvironmentService from '#services/environments/environment_service'
import AdminEnvironmentListing from '#services/environments/admin_environment_listing'
import EnvironmentTransformer from '#transformers/environment_transformer'
import AdminEnvironmentTransformer from '#transformers/admin_environment_transformer'
import { environmentParamsValidator, extendValidator } from '#validators/environment'
import { adminEnvironmentListValidator } from '#validators/admin_environment'

/**
 * Admins' actions on anyone's environment: the owner's service methods,
 * through the admin door of EnvironmentPolicy.
 */
export default class AdminEnvironmentsController {
  /** GET /api/v1/admin/environments: everyone's, filtered and sorted. */
  @inject()
  async index(ctx: HttpContext, listing: AdminEnvironmentListing) {
    const filters = await ctx.request.validateUsing(adminEnvironmentListValidator, {
      data: ctx.request.qs(),
    })
    const { rows, meta } = await listing.list(filters)
    return ctx.serialize(AdminEnvironmentTransformer.paginate(rows, meta))
  }

  /** POST /api/v1/admin/environments/:id/stop: the owner's guarded stop, by an admin. */
  @inject()
  async stop(ctx: HttpContext, environments: EnvironmentService) {
    const environment = await environments.stop(
      ctx.auth.getUserOrFail(),
      await this.#id(ctx),
      'admin',
      RequestOrigin.fromHttp(ctx)
    )
    ctx.response.status(202)
    return ctx.serialize(AdminEnvironmentTransformer.transform(environment))
  }

  /** DELETE /api/v1/admin/environments/:id: the owner's guarded removal, by an admin. */
  @inject()
  async destroy(ctx: HttpContext, environments: EnvironmentService) {
    const environment = await environments.remove(
      ctx.auth.getUserOrFail(),
      await this.#id(ctx),
      'admin',
      RequestOrigin.fromHttp(ctx)
    )
    ctx.response.status(202)
    return ctx.serialize(AdminEnvironmentTransformer.transform(environment))
  }

  /** PATCH /api/v1/admin/environments/:id {expiresAt}: extend or shorten. */
  @inject()
  async extend(ctx: HttpContext, environments: EnvironmentService) {
    const id = await this.#id(ctx)
    const { expiresAt } = await ctx.request.validateUsing(extendValidator)
    const environment = await environments.extend(
      ctx.auth.getUserOrFail(),
      id,
      'admin',
      DateTime.fromJSDate(expiresAt, { zone: 'utc' }),
      RequestOrigin.fromHttp(ctx)
    )
    return ctx.serialize(EnvironmentTransformer.transform(environment))
  }

  async #id(ctx: HttpContext) {
    const { params } = await ctx.request.validateUsing(environmentParamsValidator, {
      data: { params: ctx.params },
    })
    return params.id
  }
}
