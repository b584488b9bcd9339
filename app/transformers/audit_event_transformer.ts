import type AuditEvent from '#models/audit_event'
import { BaseTransformer } from '@adonisjs/core/transformers'

export default class AuditEventTransformer extends BaseTransformer<AuditEvent> {
  toObject() {
    return this.pick(this.resource, [
      'id',
      'occurredAt',
      'actorId',
      'actorName',
      'action',
      'objectType',
      'objectId',
      'outcome',
      'clientIp',
      'userAgent',
      'requestId',
      'details',
    ])
  }
}
