import { Readable } from 'node:stream'
import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import AuditService from '#services/audit_service'
import { auditCsv } from '#services/audit_csv'
import { auditExportValidator, auditQueryValidator } from '#validators/audit'
import AuditEventTransformer from '#transformers/audit_event_transformer'
import { listPage } from '#transformers/list_page'

/** Most rows one CSV export holds. */
const EXPORT_LIMIT = 100_000

/**
 * The audit trail, for admins.
 */
export default class AuditEventsController {
  @inject()
  async index(ctx: HttpContext, audit: AuditService) {
    const filters = await ctx.request.validateUsing(auditQueryValidator, { data: ctx.request.qs() })
    const result = await audit.search(filters)
    return listPage(
      await ctx.serialize.withoutWrapping(AuditEventTransformer.transform(result.all())),
      result
    )
  }

  /** The matching events as a CSV download, streamed in chunks. */
  @inject()
  async csv(ctx: HttpContext, audit: AuditService) {
    const filters = await ctx.request.validateUsing(auditExportValidator, {
      data: ctx.request.qs(),
    })
    ctx.response.header('Content-Type', 'text/csv; charset=utf-8')
    ctx.response.header('Content-Disposition', 'attachment; filename="audit.csv"')
    ctx.response.stream(Readable.from(auditCsv(audit.each(filters, EXPORT_LIMIT))))
  }
}
