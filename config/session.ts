import env from '#start/env'
import app from '@adonisjs/core/services/app'
import { defineConfig, stores } from '@adonisjs/session'

/**
 * Sessions live in the database so they can be revoked server-side (logout,
 * a disabled account) and shared by every portal process.
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
    database: stores.database({ tableName: 'sessions' }),
  },
})

export default sessionConfig
