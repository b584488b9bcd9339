import { flags } from '@adonisjs/core/ace'
import AdminCommand from './_admin_command.js'
import { usageCsv } from '#services/usage/usage_csv'
import { usageQueryValidator, usageWindow } from '#validators/usage'

/**
 * Resource usage per user, experiment or image over a window: the numbers
 * of GET /api/v1/admin/usage, as a table, its JSON (--json) or its CSV
 * (--csv, as /api/v1/admin/usage.csv).
 */
export default class UsageReport extends AdminCommand {
  static commandName = 'usage:report'
  static description =
    'Usage per user, experiment or image between --from and --to (table, --json or --csv)'

  @flags.string({ description: 'Window start, ISO 8601 (e.g. 2025-01-01T00:00:00Z)' })
  declare from?: string

  @flags.string({ description: 'Window end, ISO 8601 (default: now)' })
  declare to?: string

  @flags.string({ description: 'Group by user, experiment or image' })
  declare groupBy?: string

  @flags.boolean({ description: 'Print the CSV the API exports' })
  declare csv?: boolean

  @flags.boolean({ description: 'Print the JSON the API returns ({"data": [...], "meta": {...}})' })
  declare json?: boolean

  async run() {
    const { default: UsageService } = await import('#services/usage/usage_service')
    const query = await usageQueryValidator.validate({
      from: this.from,
      to: this.to,
      groupBy: this.groupBy,
    })
    const { from, to } = usageWindow(query.from, query.to)
    const usage = await this.app.container.make(UsageService)
    const report = await usage.report(from, to, query.groupBy)

    if (this.csv) {
      return this.write(usageCsv(report))
    }
    if (this.json) {
      return this.printJson({
        data: report.rows,
        meta: { from: from.toISOString(), to: to.toISOString(), groupBy: report.groupBy },
      })
    }
    this.logger.info(`Usage by ${report.groupBy}, ${from.toISOString()} to ${to.toISOString()}`)
    const table = this.ui.table()
    table.head([
      report.groupBy,
      'id',
      'environment h',
      'CPU core h',
      'memory GiB h',
      'GPU h',
      'stopped by hand',
      'idle stops',
      'expired',
    ])
    for (const row of report.rows) {
      table.row([
        row.key.label,
        row.key.id === null ? '' : String(row.key.id),
        String(row.environmentHours),
        String(row.cpuCoreHours),
        String(row.memoryGiBHours),
        String(row.gpuHours),
        String(row.manualStops),
        String(row.idleStops),
        String(row.expiries),
      ])
    }
    table.render()
  }
}
