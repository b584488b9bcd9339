import { useState } from 'preact/hooks'
import { api, unwrap } from '../api/client'
import type { Notification } from '../api/types'
import { ErrorMessage } from '../components/error_message'
import { Page } from '../components/page'
import { Pager } from '../components/pager'
import { useResource } from '../components/use_resource'
import { formatDate } from '../format'

/** Where a notification's link leads inside the console (same origin), or null. */
function consolePath(link: string | null) {
  if (!link) {
    return null
  }
  const url = new URL(link, window.location.origin)
  return url.origin === window.location.origin ? `${url.pathname}${url.search}` : null
}

function NotificationItem({
  notification,
  onRead,
}: {
  notification: Notification
  onRead: (id: number) => Promise<void>
}) {
  const path = consolePath(notification.link)
  return (
    <li class={notification.readAt ? 'notification read' : 'notification unread'}>
      <h2>{notification.subject}</h2>
      <p class="meta">{formatDate(notification.createdAt)}</p>
      {notification.body.split('\n').map((line, index) => (
        <p key={index}>{line}</p>
      ))}
      <div class="buttons">
        {path ? (
          <a class="button primary" href={path} onClick={() => void onRead(notification.id)}>
            {notification.kind === 'idle_stopped' ? 'Go to my environments' : 'Extend it'}
          </a>
        ) : null}
        {notification.readAt ? null : (
          <button type="button" onClick={() => void onRead(notification.id)}>
            Mark as read
          </button>
        )}
      </div>
    </li>
  )
}

/** Warnings before an environment expires or is stopped for idleness, and idle stops. */
export function NotificationsPage() {
  const [page, setPage] = useState(1)
  const [error, setError] = useState<unknown>(null)
  const list = useResource(
    () => unwrap(api.GET('/api/v1/notifications', { params: { query: { page, perPage: 20 } } })),
    [page]
  )
  const act = async (call: () => Promise<unknown>) => {
    setError(null)
    try {
      await call()
      await list.reload()
    } catch (caught) {
      setError(caught)
    }
  }
  const markRead = (id: number) =>
    act(() => unwrap(api.POST('/api/v1/notifications/{id}/read', { params: { path: { id } } })))
  const notifications = list.data?.data ?? []
  return (
    <Page
      title="Notifications"
      actions={
        notifications.some((notification) => !notification.readAt) ? (
          <button
            type="button"
            onClick={() => void act(() => unwrap(api.POST('/api/v1/notifications/read-all')))}
          >
            Mark all as read
          </button>
        ) : null
      }
    >
      <ErrorMessage error={list.error ?? error} />
      {list.data && notifications.length === 0 ? <p>You have no notifications.</p> : null}
      {notifications.length > 0 ? (
        <ul class="notifications">
          {notifications.map((notification) => (
            <NotificationItem key={notification.id} notification={notification} onRead={markRead} />
          ))}
        </ul>
      ) : null}
      <Pager meta={list.data?.meta} onPage={setPage} />
    </Page>
  )
}
