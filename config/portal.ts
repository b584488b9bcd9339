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

  /** Origins of the single-page frontend: CORS and, later, sign-in redirects. */
  frontendOrigins: env
    .get('FRONTEND_ORIGINS', '')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean),

  /** Origins a sign-in may send the browser back to (no open redirects). */
  get returnOrigins(): string[] {
    return this.frontendOrigins.length > 0 ? this.frontendOrigins : [new URL(appUrl).origin]
  },

  /** First-start bootstrap: the admin created when the database has none. */
  bootstrapAdmin: {
    username: env.get('PORTAL_ADMIN_USERNAME', 'admin'),
    password: env.get('PORTAL_ADMIN_PASSWORD')?.release(),
    email: env.get('PORTAL_ADMIN_EMAIL'),
  },

  /** Failed sign-ins allowed per account and per client address within the window. */
  loginThrottle: {
    accountAttempts: env.get('LOGIN_THROTTLE_ACCOUNT_ATTEMPTS', 5),
    addressAttempts: env.get('LOGIN_THROTTLE_ADDRESS_ATTEMPTS', 20),
    window: env.get('LOGIN_THROTTLE_WINDOW', '15 mins'),
  },

  /** Personal API tokens may live at most this many days. */
  apiTokenMaxDays: env.get('API_TOKEN_MAX_DAYS', 90),
}

export function dataPath(...segments: string[]) {
  return join(portalConfig.dataDir, ...segments)
}

export default portalConfig
