import { DateTime } from 'luxon'
import factory from '@adonisjs/lucid/factories'
import AuditEvent from '#models/audit_event'

/** An audit row written now by nobody in particular; merge what the test is about. */
export const AuditEventFactory = factory
  .define(AuditEvent, () => ({
    occurredAt: DateTime.utc(),
    actorId: null,
    actorName: null,
    action: 'test.event',
    objectType: null,
    objectId: null,
    outcome: 'success' as const,
    clientIp: null,
    userAgent: null,
    requestId: null,
    details: null,
  }))
  .build()
