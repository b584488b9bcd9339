import { DateTime } from 'luxon'
import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import RequestOrigin from '#services/request_origin'
import EnvironmentService from '#services/environments/environment_service'
import EnvironmentTransformer from '#transformers/environment_transformer'
import { environmentParamsValidator, extendValidator } from '#validators/environment'

/**
 * Admins' actions on anyone's environment.
 */
export default class AdminEnvironmentsController {
  /** PATCH /api/v1/admin/environments/:id {expiresAt}: extend or shorten. */
  @inject()
  async extend(ctx: HttpContext, environments: EnvironmentService) {
    const { params } = await ctx.request.validateUsing(environmentParamsValidator, {
      data: { params: ctx.params },
    })
    const { expiresAt } = await ctx.request.validateUsing(extendValidator)
    const environment = await environments.extendAny(
      ctx.auth.getUserOrFail(),
      params.id,
      DateTime.fromJSDate(expiresAt, { zone: 'utc' }),
      RequestOrigin.fromHttp(ctx)
    )
    return ctx.serialize(EnvironmentTransformer.transform(environment))
  }
}
