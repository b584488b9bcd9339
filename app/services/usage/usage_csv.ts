import { csvRow } from '#services/csv'
import type { UsageReport } from '#services/usage/usage_service'
import { fieldNames } from '#transformers/field_list'
import { usageEndingFields, usageHourFields } from '#transformers/usage_row_fields'

/** A usage report as CSV: one row per group, the same numbers as the JSON. */
export function usageCsv(report: UsageReport): string {
  const measured = [...fieldNames(usageHourFields), ...fieldNames(usageEndingFields)]
  const lines = [csvRow([`${report.groupBy}Id`, 'label', ...measured])]
  for (const row of report.rows) {
    lines.push(csvRow([row.key.id, row.key.label, ...measured.map((name) => row[name])]))
  }
  return lines.join('')
}
