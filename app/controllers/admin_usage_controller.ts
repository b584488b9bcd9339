import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import UsageService from '#services/usage/usage_service'
import { usageCsv } from '#services/usage/usage_csv'
import { usageQueryValidator, usageWindow } from '#validators/usage'

/**
 * Resource usage accounting per user, experiment or image, for admins.
 */
export default class AdminUsageController {
  @inject()
  async index(ctx: HttpContext, usage: UsageService) {
    const report = await this.report(ctx, usage)
    return {
      data: report.rows,
      meta: {
        from: report.from.toISOString(),
        to: report.to.toISOString(),
        groupBy: report.groupBy,
      },
    }
  }

  /** The same report as a CSV download. */
  @inject()
  async csv(ctx: HttpContext, usage: UsageService) {
    const report = await this.report(ctx, usage)
    ctx.response.header('Content-Type', 'text/csv; charset=utf-8')
    ctx.response.header('Content-Disposition', 'attachment; filename="usage.csv"')
    return usageCsv(report)
  }

  private async report(ctx: HttpContext, usage: UsageService) {
    const query = await ctx.request.validateUsing(usageQueryValidator, { data: ctx.request.qs() })
    const { from, to } = usageWindow(query.from, query.to)
    return usage.report(from, to, query.groupBy)
  }
}
