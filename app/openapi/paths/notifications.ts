import { dataOf, json, listOf, operation, ref, strict } from '#openapi/builder'
import { notificationListValidator, notificationParamsValidator } from '#validators/notification'

const tag = 'Notifications'

export const notificationPaths = {
  'GET /api/v1/notifications': operation(tag, 'listNotifications', {
    summary: 'My notifications, newest first',
    description:
      'Warnings before an environment expires or is stopped for idleness (at each of ENVIRONMENT_WARNING_LEADS before it), and idle stops. The same ones are e-mailed when the site enables mail. `unread=true` lists only unread ones (its `meta.total` is the unread count).',
    query: notificationListValidator,
    responses: { 200: json('Notifications', listOf('Notification')) },
  }),
  'POST /api/v1/notifications/read-all': operation(tag, 'markAllNotificationsRead', {
    summary: 'Mark all my notifications read',
    description: 'Answers how many were unread.',
    responses: {
      200: json(
        'How many were unread',
        dataOf(strict({ updated: { type: 'integer', minimum: 0 } }))
      ),
    },
  }),
  'POST /api/v1/notifications/{id}/read': operation(tag, 'markNotificationRead', {
    summary: 'Mark one of my notifications read',
    description: "Someone else's notification is 404, exactly like a missing one.",
    params: notificationParamsValidator,
    responses: { 200: json('The notification', dataOf('Notification')), 404: ref('NotFound') },
  }),
}
