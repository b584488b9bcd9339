import { DateTime } from 'luxon'
import { inject } from '@adonisjs/core'
import Environment from '#models/environment'
import AuditService from '#services/audit_service'
import RequestOrigin from '#services/request_origin'
import EnvironmentProvisioner from '#services/environments/environment_provisioner'
import EnvironmentLifecycle from '#services/environments/environment_lifecycle'
import NotificationService from '#services/notifications/notification_service'
import notificationsConfig from '#config/notifications'
import { environmentsIdleStopped } from '#services/metrics/portal_metrics'
import {
  describeDuration,
  describeInstant,
  idleDeadline,
} from '#services/environments/environment_deadlines'

/**
 * Stops running environments left unused longer than their image's idle
 * limit (`images.idle_limit_minutes`). Stopped, not removed: the owner
 * starts it again, their output untouched. Audited as
 * `environment.idle_stop`; the owner is notified.
 */
@inject()
export default class EnvironmentIdleStop {
  constructor(
    protected provisioner: EnvironmentProvisioner,
    protected lifecycle: EnvironmentLifecycle,
    protected audit: AuditService,
    protected notifications: NotificationService
  ) {}

  /** Returns how many environments were stopped. */
  async run(now = DateTime.utc()) {
    const running = await Environment.query()
      .where('state', 'running')
      .whereHas('image', (query) => query.whereNotNull('idle_limit_minutes'))
      .preload('image')
      .preload('user')
    let stopped = 0
    for (const environment of running) {
      const deadline = idleDeadline(environment)
      if (!deadline || deadline > now) {
        continue
      }
      const limit = describeDuration(environment.image.idleLimitMinutes! * 60_000)
      if (
        !(await this.lifecycle.transition(
          environment,
          'idle_stop',
          `Stopped after ${limit} without use`
        ))
      ) {
        continue
      }
      await this.audit.record({
        actor: null,
        action: 'environment.idle_stop',
        outcome: 'success',
        origin: RequestOrigin.cli(),
        objectType: 'environment',
        objectId: environment.id,
        details: {
          ownerId: environment.userId,
          idleLimitMinutes: environment.image.idleLimitMinutes,
          lastActivityAt: environment.lastActivityAt?.toISO() ?? null,
        },
      })
      this.provisioner.halt(environment)
      environmentsIdleStopped.inc()
      stopped++
      await this.notifications.notify(environment.user, {
        kind: 'idle_stopped',
        environmentId: environment.id,
        subject: `Your environment "${environment.name}" was stopped after ${limit} without use`,
        body: [
          `Your analysis environment "${environment.name}" (${environment.image.name}) was stopped at ${describeInstant(now)}: it had not been used for ${limit}.`,
          'It was not removed, and your output is kept. Start it again from the portal:',
        ].join('\n'),
        link: notificationsConfig.environmentsPage(),
        dedupeKey: `idle_stopped:${environment.id}:${deadline.toUTC().startOf('minute').toISO()}`,
      })
    }
    return stopped
  }
}
