import env from '#start/env'
import app from '@adonisjs/core/services/app'
import { defineConfig, stores } from '@adonisjs/session'
import { seldomTouched } from '#models/seldom_touched_sessions'
import { rememberedSessions } from '#models/remembered_sessions'

/**
 * Sessions live in the database so they can be revoked server-side (logout,
 * a disabled account) and shared by every portal process. A request that
 * changes nothing in its session moves the session's expiry at most once a
 * minute (app/models/seldom_touched_sessions.ts): the console's reads do
 * not write. A session's read is a prepared statement remembered per
 * process for AUTH_CACHE_TTL, and a session found by a request is only ever
 * updated, never inserted again (app/models/remembered_sessions.ts, ADR 14).
 */
const sessionConfig = defineConfig({
  enabled: true,
  cookieName: 'portal-session',
  clearWithBrowser: false,
  age: env.get('SESSION_AGE', '8h'),
  cookie: {
    path: '/',
    httpOnly: true,
    secure: app.inProduction,
    sameSite: 'lax',
  },
  store: 'database',
  stores: {
    database: seldomTouched(
      rememberedSessions(stores.database({ tableName: 'sessions' }), 'sessions')
    ),
  },
})

export default sessionConfig
