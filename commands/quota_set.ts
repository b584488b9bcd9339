import { flags } from '@adonisjs/core/ace'
import AdminCommand from './_admin_command.js'
import { quotaTexts } from './_resource_text.js'
import { quotaValidator } from '#validators/quota'

/** Limits as the flags that set them: "environments=5 cpu=8 …". */
function flagsText(texts: Record<string, string>) {
  return Object.entries(texts)
    .map(([name, value]) => `${name}=${value}`)
    .join(' ')
}

/**
 * Sets a whole quota, the site default or (with --user) one user's own
 * limits, with the validation and units of PUT /api/v1/admin/quota-default
 * and PUT /api/v1/admin/users/:id/quota. Limits below what the user
 * already holds are allowed and reported as over the limit.
 */
export default class QuotaSet extends AdminCommand {
  static commandName = 'quota:set'
  static description =
    "Set the default quota, or a user's own with --user (every limit required; units as the API)"

  @flags.string({ description: 'Username (the site default when omitted)' })
  declare user?: string

  @flags.string({ description: 'Environments at once (0-1000)' })
  declare environments?: string

  @flags.string({ description: 'CPU: cores ("8", "1.5") or millicores ("500m")' })
  declare cpu?: string

  @flags.string({ description: 'Memory: bytes or a size ("32Gi", "512Mi", "2G")' })
  declare memory?: string

  @flags.string({ description: 'Storage: bytes or a size ("100Gi")' })
  declare storage?: string

  @flags.string({ description: 'GPUs' })
  declare gpus?: string

  @flags.boolean({ description: 'Print the JSON the API returns ({"data": {...}})' })
  declare json?: boolean

  async run() {
    const { default: QuotaAdminService } =
      await import('#services/environments/quota_admin_service')
    const fields = await quotaValidator.validate({
      environments: this.environments,
      cpu: this.cpu,
      memory: this.memory,
      storage: this.storage,
      gpus: this.gpus,
    })
    const quotas = await this.app.container.make(QuotaAdminService)

    // An empty --user (an unset shell variable) must not fall through to the site default.
    if (this.user === undefined) {
      const limits = await quotas.updateSiteDefault(this.operator, fields, this.origin)
      if (this.json) {
        return this.printJson({ data: limits })
      }
      this.logger.success(`Default quota: ${flagsText(quotaTexts(limits))}`)
      return
    }

    const user = await this.findUser(this.user)
    const quota = await quotas.updateUserQuota(this.operator, user.id, fields, this.origin)
    if (this.json) {
      return this.printJson({ data: quota })
    }
    this.logger.success(`Quota of "${user.username}": ${flagsText(quotaTexts(quota.limits))}`)
    if (quota.overLimit.length > 0) {
      this.logger.warning(
        `"${user.username}" already holds more than the new ${quota.overLimit.join(', ')} limit(s): nothing is taken away, new environments are refused until usage drops`
      )
    }
  }
}
