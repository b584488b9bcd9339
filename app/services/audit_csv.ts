import type AuditEvent from '#models/audit_event'
import { csvRow } from '#services/csv'

/** Columns of the audit CSV export, in order. */
export const AUDIT_CSV_COLUMNS = [
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
]

/** The export as CSV text, header first, one chunk per event. */
export async function* auditCsv(events: AsyncIterable<AuditEvent>) {
  yield csvRow(AUDIT_CSV_COLUMNS)
  for await (const event of events) {
    yield csvRow([
      event.id,
      event.occurredAt.toUTC().toISO(),
      event.actorId,
      event.actorName,
      event.action,
      event.objectType,
      event.objectId,
      event.outcome,
      event.clientIp,
      event.userAgent,
      event.requestId,
      event.details === null ? null : JSON.stringify(event.details),
    ])
  }
}
