import type AuditEvent from '#models/audit_event'
import { csvRow } from '#services/csv'
import { csvValue, fieldNames } from '#transformers/field_list'
import { auditEventFields } from '#transformers/audit_event_transformer'

/** Columns of the audit CSV export, in order: the fields of the API's AuditEvent. */
export const AUDIT_CSV_COLUMNS = fieldNames(auditEventFields)

/** The export as CSV text, header first, one chunk per event. */
export async function* auditCsv(events: AsyncIterable<AuditEvent>) {
  yield csvRow(AUDIT_CSV_COLUMNS)
  for await (const event of events) {
    yield csvRow(AUDIT_CSV_COLUMNS.map((name) => csvValue(auditEventFields[name], event[name])))
  }
}
