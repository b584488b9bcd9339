import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import RequestOrigin from '#services/request_origin'
import AccessService from '#services/access/access_service'
import { environmentParamsValidator } from '#validators/environment'

/**
 * POST /api/v1/environments/:id/access — where the owner opens a running
 * environment (a direct URL, or a Guacamole client URL).
 */
export default class EnvironmentAccessController {
  @inject()
  async store(ctx: HttpContext, access: AccessService) {
    const { params } = await ctx.request.validateUsing(environmentParamsValidator, {
      data: { params: ctx.params },
    })
    const link = await access.open(ctx.auth.getUserOrFail(), params.id, RequestOrigin.fromHttp(ctx))
    // Credentials must not be kept by caches or proxies.
    ctx.response.header('Cache-Control', 'no-store')
    return { data: link }
  }
}
