import env from '#start/env'
import app from '@adonisjs/core/services/app'
import { isAbsolute, join } from 'node:path'
import { appUrl } from '#config/app'

const dataDir = env.get('DATA_DIR', 'storage')

/**
 * Settings of the portal itself (as opposed to the framework's).
 */
const portalConfig = {
  /** Where the embedded database, the generated app key and other local state live. */
  dataDir: isAbsolute(dataDir) ? dataDir : app.makePath(dataDir),

  /** Origins of the single-page frontend: CORS, and where a sign-in may return to. */
  frontendOrigins: env
    .get('FRONTEND_ORIGINS', '')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean),

  /** The portal's own origin (APP_URL's). */
  appOrigin: new URL(appUrl).origin,

  /**
   * Where the browser lands after a sign-in without returnTo and after a
   * logout: the portal's own page, which always exists.
   */
  get landingUrl(): string {
    return `${this.appOrigin}/`
  },

  /** Origins an absolute returnTo may name (no open redirects): the portal's and the frontend's. */
  get returnOrigins(): string[] {
    return [this.appOrigin, ...this.frontendOrigins.filter((origin) => origin !== this.appOrigin)]
  },

  /** First-start bootstrap: the admin created when the database has none. */
  bootstrapAdmin: {
    username: env.get('PORTAL_ADMIN_USERNAME', 'admin'),
    password: env.get('PORTAL_ADMIN_PASSWORD')?.release(),
    email: env.get('PORTAL_ADMIN_EMAIL'),
  },

  /**
   * Failed sign-ins allowed per account (per trusted browser for the
   * accounts it signed in before) and per client address within the window.
   */
  loginThrottle: {
    accountAttempts: env.get('LOGIN_THROTTLE_ACCOUNT_ATTEMPTS', 5),
    addressAttempts: env.get('LOGIN_THROTTLE_ADDRESS_ATTEMPTS', 20),
    window: env.get('LOGIN_THROTTLE_WINDOW', '15 mins'),
    /** Days a browser stays trusted for the accounts that signed in from it (0: never). */
    trustedDeviceDays: env.get('LOGIN_TRUSTED_DEVICE_DAYS', 30),
  },

  /** Progress streams (server-sent events) per user: openings per minute, and open at once. */
  eventStreams: {
    opensPerMinute: env.get('EVENT_STREAM_OPENS_PER_MINUTE', 60),
    perUser: env.get('EVENT_STREAMS_PER_USER', 5),
  },

  /** Personal API tokens may live at most this many days. */
  apiTokenMaxDays: env.get('API_TOKEN_MAX_DAYS', 90),
}

export function dataPath(...segments: string[]) {
  return join(portalConfig.dataDir, ...segments)
}

export default portalConfig
