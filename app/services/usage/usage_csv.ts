import { csvRow } from '#services/csv'
import type { UsageReport } from '#services/usage/usage_service'

/** A usage report as CSV: one row per group, the same numbers as the JSON. */
export function usageCsv(report: UsageReport): string {
  const lines = [
    csvRow([
      `${report.groupBy}Id`,
      'label',
      'environmentHours',
      'cpuCoreHours',
      'memoryGiBHours',
      'gpuHours',
    ]),
  ]
  for (const row of report.rows) {
    lines.push(
      csvRow([
        row.key.id,
        row.key.label,
        row.environmentHours,
        row.cpuCoreHours,
        row.memoryGiBHours,
        row.gpuHours,
      ])
    )
  }
  return lines.join('')
}
