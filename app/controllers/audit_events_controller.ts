import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import AuditService from '#services/audit_service'
import { auditQueryValidator } from '#validators/audit'
import AuditEventTransformer from '#transformers/audit_event_transformer'

/**
 * The audit trail, for admins.
 */
export default class AuditEventsController {
  @inject()
  async index(ctx: HttpContext, audit: AuditService) {
    const filters = await ctx.request.validateUsing(auditQueryValidator, { data: ctx.request.qs() })
    const result = await audit.search(filters)
    return ctx.serialize(AuditEventTransformer.paginate(result.all(), result.getMeta()))
  }
}
