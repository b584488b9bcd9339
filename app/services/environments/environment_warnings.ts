import { DateTime } from 'luxon'
import { inject } from '@adonisjs/core'
import Environment from '#models/environment'
import { toSqlTimestamp } from '#models/millisecond_timestamp'
import environmentsConfig from '#config/environments'
import notificationsConfig from '#config/notifications'
import NotificationService from '#services/notifications/notification_service'
import {
  describeDuration,
  describeInstant,
  idleDeadline,
} from '#services/environments/environment_deadlines'

/**
 * Warns owners (and colleagues it is shared with) before an environment expires (running or stopped) or is
 * stopped for idleness (running, image with an idle limit), at each of
 * ENVIRONMENT_WARNING_LEADS before the deadline. Each warning is keyed by
 * environment, deadline (to the minute) and lead in the notifications
 * table, so none is sent twice by any process; a run that comes late
 * (restart, leader change) sends the warning of the shortest lead already
 * reached, never a burst of stale ones. A new deadline (extended, used
 * again) gets warnings of its own.
 */
@inject()
export default class EnvironmentWarnings {
  constructor(protected notifications: NotificationService) {}

  /** Returns how many warnings were made. */
  async run(now = DateTime.utc()) {
    const leads = notificationsConfig.warningLeadsMs
    if (leads.length === 0) {
      return 0
    }
    let made = 0
    const expiring = await Environment.query()
      .whereIn('state', ['running', 'stopped'])
      .where('expires_at', '>', toSqlTimestamp(now))
      .where('expires_at', '<=', toSqlTimestamp(now.plus({ milliseconds: leads[0] })))
      .preload('image')
      .preload('user')
      .preload('shares', (shares) => shares.preload('user'))
    for (const environment of expiring) {
      made += Number(await this.#warn(environment, 'expiry', environment.expiresAt, leads, now))
    }

    const idleCandidates = await Environment.query()
      .where('state', 'running')
      .whereHas('image', (query) => query.whereNotNull('idle_limit_minutes'))
      .preload('image')
      .preload('user')
      .preload('shares', (shares) => shares.preload('user'))
    for (const environment of idleCandidates) {
      const deadline = idleDeadline(environment)
      if (!deadline || deadline <= now) {
        continue
      }
      // A warning earlier than the limit itself would come before any idleness;
      // limits shorter than every lead are warned a quarter of the limit before.
      const limitMs = environment.image.idleLimitMinutes! * 60_000
      const fitting = leads.filter((lead) => lead < limitMs)
      const idleLeads = fitting.length > 0 ? fitting : [Math.floor(limitMs / 4)]
      made += Number(await this.#warn(environment, 'idle', deadline, idleLeads, now))
    }
    return made
  }

  async #warn(
    environment: Environment,
    what: 'expiry' | 'idle',
    deadline: DateTime,
    leads: number[],
    now: DateTime
  ) {
    const remaining = deadline.toMillis() - now.toMillis()
    const reached = leads.filter((lead) => remaining <= lead)
    if (reached.length === 0) {
      return false
    }
    const lead = Math.min(...reached)
    const at = deadline.toUTC().startOf('minute')
    const name = environment.name
    const latest = environment.createdAt.plus({ hours: environmentsConfig.maxLifetimeHours })
    const link = notificationsConfig.extendLink(environment.id)
    const notification =
      what === 'expiry'
        ? {
            kind: 'expiry_warning' as const,
            subject: `Your environment "${name}" will be removed in ${describeDuration(remaining)}`,
            body: [
              `Your analysis environment "${name}" (${environment.image.name}) expires at ${describeInstant(deadline)}.`,
              'It will then be removed; files in your output folder are kept.',
              `You can extend it up to ${describeInstant(latest)} from the portal:`,
            ].join('\n'),
          }
        : {
            kind: 'idle_warning' as const,
            subject: `Your environment "${name}" will be stopped in ${describeDuration(remaining)} unless it is used`,
            body: [
              `Your analysis environment "${name}" (${environment.image.name}) has not been used recently.`,
              `It will be stopped at ${describeInstant(deadline)} after ${describeDuration(environment.image.idleLimitMinutes! * 60_000)} without use (it is not removed, and your output is kept).`,
              'Open it to keep it running, or start it again later from the portal:',
            ].join('\n'),
          }
    const dedupeKey = `${what}:${environment.id}:${at.toISO()}:${lead}`
    const made = await this.notifications.notify(environment.user, {
      ...notification,
      environmentId: environment.id,
      link,
      dedupeKey,
    })
    // Colleagues it is shared with work in it too; only the owner can extend it.
    for (const share of environment.shares) {
      if (share.user.disabled) {
        continue
      }
      await this.notifications.notify(share.user, {
        kind: notification.kind,
        subject: notification.subject.replace(
          /^Your environment/,
          `${environment.user.username}'s environment`
        ),
        body: [
          `This environment is shared with you by ${environment.user.username}.`,
          ...notification.body
            .replace(/^Your analysis environment/, 'The analysis environment')
            .split('\n')
            // The owner's "you can extend it" line: only they can.
            .filter((line) => !line.startsWith('You can extend it')),
          ...(what === 'expiry'
            ? [`Only ${environment.user.username} can extend it; it is in the portal:`]
            : []),
        ].join('\n'),
        environmentId: environment.id,
        link,
        dedupeKey: `${dedupeKey}:share:${share.userId}`,
      })
    }
    return made !== null
  }
}
