import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import QuotaAdminService from '#services/environments/quota_admin_service'
import RequestOrigin from '#services/request_origin'
import { quotaUserParamsValidator, quotaValidator } from '#validators/quota'

/**
 * Quotas for admins: the site default and per-user overrides.
 */
@inject()
export default class AdminQuotasController {
  constructor(protected quotas: QuotaAdminService) {}

  async showDefault() {
    return { data: await this.quotas.siteDefault() }
  }

  async updateDefault(ctx: HttpContext) {
    const fields = await ctx.request.validateUsing(quotaValidator)
    const amounts = await this.quotas.updateSiteDefault(
      ctx.auth.getUserOrFail(),
      fields,
      RequestOrigin.fromHttp(ctx)
    )
    return { data: amounts }
  }

  async show(ctx: HttpContext) {
    const { params } = await ctx.request.validateUsing(quotaUserParamsValidator, {
      data: { params: ctx.params },
    })
    return { data: await this.quotas.userSummary(params.id) }
  }

  async update(ctx: HttpContext) {
    const { params } = await ctx.request.validateUsing(quotaUserParamsValidator, {
      data: { params: ctx.params },
    })
    const fields = await ctx.request.validateUsing(quotaValidator)
    const quota = await this.quotas.updateUserQuota(
      ctx.auth.getUserOrFail(),
      params.id,
      fields,
      RequestOrigin.fromHttp(ctx)
    )
    return { data: quota }
  }

  async destroy(ctx: HttpContext) {
    const { params } = await ctx.request.validateUsing(quotaUserParamsValidator, {
      data: { params: ctx.params },
    })
    await this.quotas.resetUserQuota(
      ctx.auth.getUserOrFail(),
      params.id,
      RequestOrigin.fromHttp(ctx)
    )
    return ctx.response.noContent()
  }
}
