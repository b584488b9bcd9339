import type AuditEvent from '#models/audit_event'
import { BaseTransformer } from '@adonisjs/core/transformers'
import { defineFields, fieldNames, type FieldValues } from '#transformers/field_list'

/** An audit event, in the API and in the CSV export (same fields, same order). */
export const auditEventFields = defineFields({
  id: { type: 'integer' },
  occurredAt: { type: 'date-time' },
  actorId: { type: 'integer', nullable: true },
  actorName: { type: 'string', nullable: true },
  action: { type: 'string', schema: { examples: ['auth.login'] } },
  objectType: { type: 'string', nullable: true },
  objectId: { type: 'string', nullable: true },
  outcome: { type: 'string', enum: ['success', 'failure', 'denied'] },
  clientIp: { type: 'string', nullable: true },
  userAgent: { type: 'string', nullable: true },
  requestId: { type: 'string', nullable: true },
  details: { type: 'object', nullable: true },
})

export default class AuditEventTransformer extends BaseTransformer<AuditEvent> {
  toObject(): FieldValues<typeof auditEventFields> {
    return this.pick(this.resource, fieldNames(auditEventFields))
  }
}
