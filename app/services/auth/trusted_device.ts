import { randomBytes } from 'node:crypto'
import type { HttpContext } from '@adonisjs/core/http'
import app from '@adonisjs/core/services/app'
import portalConfig from '#config/portal'
import { usernameDigest } from '#services/auth/username_digest'

export const TRUSTED_DEVICE_COOKIE = 'portal-device'

/** Accounts one browser is remembered for (a shared lab machine has several). */
const MAX_ACCOUNTS = 8

type DeviceCookie = { id: string; accounts: string[] }

function isDeviceCookie(value: unknown): value is DeviceCookie {
  const cookie = value as DeviceCookie | null
  return (
    typeof cookie?.id === 'string' &&
    /^[\w-]{16,64}$/.test(cookie.id) &&
    Array.isArray(cookie.accounts) &&
    cookie.accounts.every((account) => typeof account === 'string')
  )
}

/**
 * The browser's device cookie (OWASP's "device cookies" against account
 * lockout): signed with the app key and set at each successful password
 * sign-in, it names the accounts that signed in from this browser by
 * digest. A sign-in for one of them is counted against this browser
 * instead of the account, so strangers guessing a password cannot lock
 * its owner out of the browser they use; the per-address limit still
 * applies to everyone.
 */
export default class TrustedDevice {
  constructor(readonly cookie: DeviceCookie | null) {}

  static fromHttp({ request }: HttpContext) {
    const value = portalConfig.loginThrottle.trustedDeviceDays
      ? request.cookie(TRUSTED_DEVICE_COOKIE)
      : null
    return new TrustedDevice(isDeviceCookie(value) ? value : null)
  }

  /** The throttle key of this browser for `username`, or null when it never signed in as them. */
  keyFor(username: string): string | null {
    const digest = usernameDigest(username)
    return this.cookie?.accounts.includes(digest) ? `${this.cookie.id}:${digest}` : null
  }

  /** Remembers this browser for `username` (newest first), for LOGIN_TRUSTED_DEVICE_DAYS. */
  remember({ response }: HttpContext, username: string) {
    const days = portalConfig.loginThrottle.trustedDeviceDays
    if (!days) {
      return
    }
    const digest = usernameDigest(username)
    const others = (this.cookie?.accounts ?? []).filter((account) => account !== digest)
    const value: DeviceCookie = {
      id: this.cookie?.id ?? randomBytes(18).toString('base64url'),
      accounts: [digest, ...others].slice(0, MAX_ACCOUNTS),
    }
    response.cookie(TRUSTED_DEVICE_COOKIE, value, {
      path: '/api/v1/auth',
      httpOnly: true,
      secure: app.inProduction,
      sameSite: 'lax',
      maxAge: days * 24 * 60 * 60,
    })
  }
}
