import { DateTime } from 'luxon'
import { inject } from '@adonisjs/core'
import db from '@adonisjs/lucid/services/db'
import Notification, { type NotificationKind } from '#models/notification'
import MailOutboxMessage from '#models/mail_outbox_message'
import type User from '#models/user'
import notificationsConfig from '#config/notifications'
import { isUniqueViolation } from '#services/database_errors'
import { notificationsCreated } from '#services/metrics/portal_metrics'

export type NewNotification = {
  kind: NotificationKind
  environmentId: number | null
  subject: string
  /** Plain text; never a secret (it may travel by e-mail). */
  body: string
  link: string | null
  /** The event it reports: a second notification with the same key is not made. */
  dedupeKey: string
}

export type NotificationFilters = { unread?: boolean; page?: number; perPage?: number }

/**
 * Notifications of a user: the in-app list and, when mail is enabled and
 * the user has an address, an e-mail queued in the outbox in the same
 * transaction (the outbox job sends it; a slow or absent SMTP server
 * delays nothing here).
 */
@inject()
export default class NotificationService {
  /**
   * Stores a notification unless one with the same `dedupeKey` exists
   * (made by this or any other process, now or before a restart). Returns
   * it, or null when it had been made already.
   */
  async notify(recipient: User, notification: NewNotification): Promise<Notification | null> {
    if (await Notification.findBy('dedupe_key', notification.dedupeKey)) {
      return null
    }
    try {
      const created = await db.transaction(async (trx) => {
        const row = await Notification.create(
          { userId: recipient.id, ...notification, readAt: null },
          { client: trx }
        )
        if (notificationsConfig.mail.enabled && recipient.email) {
          await MailOutboxMessage.create(
            {
              notificationId: row.id,
              recipient: recipient.email,
              subject: notification.subject,
              body: notification.link
                ? `${notification.body}\n\n${notification.link}\n`
                : `${notification.body}\n`,
              attempts: 0,
              nextAttemptAt: DateTime.utc(),
              sentAt: null,
              lastError: null,
            },
            { client: trx }
          )
        }
        return row
      })
      notificationsCreated.inc({ kind: notification.kind })
      return created
    } catch (error) {
      // Another process made the same one between the check and the insert.
      if (isUniqueViolation(error)) {
        return null
      }
      throw error
    }
  }

  /** The user's notifications, newest first. */
  list(user: User, filters: NotificationFilters) {
    return Notification.query()
      .where('user_id', user.id)
      .if(filters.unread, (query) => query.whereNull('read_at'))
      .orderBy('id', 'desc')
      .paginate(filters.page ?? 1, filters.perPage ?? 20)
  }

  /** How many of the user's notifications are unread. */
  async unreadCount(user: User) {
    const row = await db
      .from('notifications')
      .where('user_id', user.id)
      .whereNull('read_at')
      .count('* as total')
      .first()
    return Number(row?.total ?? 0)
  }

  /** Marks one of the user's notifications read; anyone else's is "not found". */
  async markRead(user: User, id: number) {
    const notification = await Notification.query()
      .where('id', id)
      .where('user_id', user.id)
      .firstOrFail()
    if (!notification.readAt) {
      notification.readAt = DateTime.utc()
      await notification.save()
    }
    return notification
  }

  /** Marks every unread notification of the user read; returns how many. */
  async markAllRead(user: User) {
    const updated = await Notification.query()
      .where('user_id', user.id)
      .whereNull('read_at')
      .update({ read_at: DateTime.utc().toSQL({ includeOffset: false }) })
    return Number(Array.isArray(updated) ? updated[0] : updated)
  }
}
