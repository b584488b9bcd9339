import { flags } from '@adonisjs/core/ace'
import AdminCommand from './_admin_command.js'
import { auditCsv } from '#services/audit_csv'
import { auditExportValidator } from '#validators/audit'

/**
 * The audit trail as CSV on stdout, newest first: the filters and the CSV
 * of GET /api/v1/admin/audit.csv (at most 100,000 events).
 */
export default class AuditExport extends AdminCommand {
  static commandName = 'audit:export'
  static description =
    'Write audit events as CSV to stdout (from, to, actor, action, outcome, object)'

  @flags.string({ description: 'From this time on, ISO 8601' })
  declare from?: string

  @flags.string({ description: 'Before this time, ISO 8601' })
  declare to?: string

  @flags.string({ description: 'Only events this user did (username)' })
  declare actor?: string

  @flags.string({ description: 'Only this action, e.g. user.update' })
  declare action?: string

  @flags.string({ description: 'Only this outcome: success, failure or denied' })
  declare outcome?: string

  @flags.string({ description: 'Only events about this kind of object, e.g. user, environment' })
  declare objectType?: string

  @flags.string({ description: 'Only events about the object with this id' })
  declare objectId?: string

  async run() {
    const { default: AuditService } = await import('#services/audit_service')
    const filters = await auditExportValidator.validate({
      actorId: await this.userIdOf(this.actor),
      action: this.action,
      objectType: this.objectType,
      objectId: this.objectId,
      outcome: this.outcome,
      from: this.from,
      to: this.to,
    })
    const audit = await this.app.container.make(AuditService)
    for await (const chunk of auditCsv(audit.each(filters))) {
      await this.write(chunk)
    }
  }
}
