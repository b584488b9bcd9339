import { inject } from '@adonisjs/core'
import Environment from '#models/environment'
import AuditService from '#services/audit_service'
import RequestOrigin from '#services/request_origin'
import EnvironmentProvisioner from '#services/environments/environment_provisioner'
import EnvironmentLifecycle from '#services/environments/environment_lifecycle'
import { TRANSITIONS } from '#domain/environment_states'

/**
 * Removes environments past their expiry (running or stopped ones).
 */
@inject()
export default class EnvironmentExpiry {
  constructor(
    protected lifecycle: EnvironmentLifecycle,
    protected provisioner: EnvironmentProvisioner,
    protected audit: AuditService
  ) {}

  /** Returns how many expired environments were sent to removal. */
  async run() {
    const expired = await Environment.query()
      .whereIn('state', [...TRANSITIONS.expire.from])
      .where('expires_at', '<', new Date())
    let removed = 0
    for (const environment of expired) {
      if (await this.lifecycle.transition(environment, 'expire', 'Expired')) {
        await this.audit.record({
          actor: null,
          action: 'environment.expire',
          outcome: 'success',
          origin: RequestOrigin.cli(),
          objectType: 'environment',
          objectId: environment.id,
        })
        this.provisioner.dispose(environment)
        removed++
      }
    }
    return removed
  }
}
