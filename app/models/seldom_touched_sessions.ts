import { configProvider } from '@adonisjs/core'
import string from '@adonisjs/core/helpers/string'
import type { ConfigProvider } from '@adonisjs/core/types'
import type { SessionStoreFactory } from '@adonisjs/session/types'

/** The longest a session's expiry stays where a read found it. */
const TOUCH_INTERVAL_MS = 60_000

/** Sessions whose last touch this process remembers; the oldest are forgotten beyond. */
const REMEMBERED_SESSIONS = 100_000

/** When this process last moved each session's expiry (a write or a touch), by session id. */
const touchedAt = new Map<string, number>()

function remember(sessionId: string) {
  touchedAt.delete(sessionId)
  if (touchedAt.size >= REMEMBERED_SESSIONS) {
    // The oldest first: a Map keeps insertion order.
    touchedAt.delete(touchedAt.keys().next().value!)
  }
  touchedAt.set(sessionId, Date.now())
}

/** The touch interval of sessions of each configured age, worked out once per age. */
const intervals = new Map<string | number, number>()

function touchInterval(age: string | number) {
  let interval = intervals.get(age)
  if (interval === undefined) {
    interval = Math.min(TOUCH_INTERVAL_MS, (string.seconds.parse(age) * 1000) / 10)
    intervals.set(age, interval)
  }
  return interval
}

/**
 * Whether a session of this age is due to have its expiry moved: this
 * process has not moved it within the interval. The session cookie is sent
 * again on the same schedule (app/middleware/seldom_sent_session_cookies.ts),
 * so that the browser's copy slides with the stored expiry.
 */
export function touchIsDue(sessionId: string, age: string | number) {
  const last = touchedAt.get(sessionId)
  return last === undefined || Date.now() - last >= touchInterval(age)
}

/**
 * A session store whose reads seldom write. The session package moves a
 * session's expiry on every request that does not change it (`touch`: an
 * UPDATE of its row for the database store), so every read of the console
 * wrote. Here a session's expiry moves at most once a minute per process
 * (a tenth of the session's age when that is shorter): a session then
 * expires up to a minute earlier after its last request, and its reads
 * write nothing in between. Writes, destruction and tagging are the
 * store's own.
 */
export function seldomTouched(
  store: ConfigProvider<SessionStoreFactory>
): ConfigProvider<SessionStoreFactory> {
  return configProvider.create(async (app) => {
    const makeStore = await store.resolver(app)
    return (ctx, config) => {
      const made = makeStore(ctx, config)
      const touch = made.touch.bind(made)
      const write = made.write.bind(made)
      const destroy = made.destroy.bind(made)
      made.touch = async (sessionId) => {
        if (!touchIsDue(sessionId, config.age)) {
          return
        }
        await touch(sessionId)
        remember(sessionId)
      }
      made.write = async (sessionId, values) => {
        await write(sessionId, values)
        remember(sessionId)
      }
      made.destroy = async (sessionId) => {
        touchedAt.delete(sessionId)
        await destroy(sessionId)
      }
      return made
    }
  })
}
