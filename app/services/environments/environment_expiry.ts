import { inject } from '@adonisjs/core'
import Environment from '#models/environment'
import AuditService from '#services/audit_service'
import RequestOrigin from '#services/request_origin'
import EnvironmentProvisioner from '#services/environments/environment_provisioner'
import { environmentsExpired } from '#services/metrics/portal_metrics'

/**
 * Removes environments past their expiry (running or stopped ones).
 */
@inject()
export default class EnvironmentExpiry {
  constructor(
    protected provisioner: EnvironmentProvisioner,
    protected audit: AuditService
  ) {}

  /** Returns how many expired environments were sent to removal. */
  async run() {
    const expired = await Environment.query()
      .whereIn('state', ['running', 'stopped'])
      .where('expires_at', '<', new Date())
    let removed = 0
    for (const environment of expired) {
      if (
        await this.provisioner.transition(
          environment,
          ['running', 'stopped'],
          'removing',
          'Expired'
        )
      ) {
        await this.audit.record({
          actor: null,
          action: 'environment.expire',
          outcome: 'success',
          origin: RequestOrigin.cli(),
          objectType: 'environment',
          objectId: environment.id,
        })
        this.provisioner.dispose(environment)
        environmentsExpired.inc()
        removed++
      }
    }
    return removed
  }
}
