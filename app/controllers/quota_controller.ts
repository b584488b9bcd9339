import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import QuotaService from '#services/environments/quota_service'

/**
 * GET /api/v1/quota — the caller's limits, what they hold, and what is left.
 */
export default class QuotaController {
  @inject()
  async show(ctx: HttpContext, quotas: QuotaService) {
    const { limits, usage, available } = await quotas.summary(ctx.auth.getUserOrFail())
    return { data: { limits, usage, available } }
  }
}
