import { csvRow } from '#services/csv'
import type { UsageReport } from '#services/usage/usage_service'
import { fieldNames } from '#transformers/field_list'
import { usageHourFields } from '#transformers/usage_row_fields'

/** A usage report as CSV: one row per group, the same numbers as the JSON. */
export function usageCsv(report: UsageReport): string {
  const hours = fieldNames(usageHourFields)
  const lines = [csvRow([`${report.groupBy}Id`, 'label', ...hours])]
  for (const row of report.rows) {
    lines.push(csvRow([row.key.id, row.key.label, ...hours.map((name) => row[name])]))
  }
  return lines.join('')
}
