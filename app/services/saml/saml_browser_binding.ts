import { randomBytes } from 'node:crypto'
import type { CookieOptions } from '@adonisjs/core/types/http'
import samlConfig from '#config/saml'

/** Sign-ins one browser may have under way at once (several tabs); older ones drop out. */
export const MAX_PENDING_SIGN_INS = 5

const REQUEST_ID = /^_[0-9a-f]{40}$/

/** An AuthnRequest id as node-saml makes them: "_" and 40 hex digits. */
export function newRequestId() {
  return `_${randomBytes(20).toString('hex')}`
}

/** Name of the cookie below. `__Host-`: no sibling subdomain can plant its own value. */
export const BROWSER_BINDING_COOKIE = '__Host-portal-saml-request'

/**
 * The cookie that binds a SAML sign-in to the browser that started it
 * (login CSRF: a response someone captured from their own sign-in must
 * not sign another browser into their account). It holds the ids of the
 * AuthnRequests this browser sent, signed with the app key, for as long
 * as a request stays answerable.
 *
 * The IdP posts to the ACS cross-site, so the cookie must be
 * SameSite=None, which browsers (and the framework) accept only with
 * Secure — also in development, where browsers take Secure cookies from
 * loopback origins (http://localhost, 127.0.0.1) as well.
 */
export function browserBindingCookie(): { name: string; options: Partial<CookieOptions> } {
  return {
    name: BROWSER_BINDING_COOKIE,
    options: {
      httpOnly: true,
      secure: true,
      sameSite: 'none',
      path: '/',
      maxAge: Math.ceil(samlConfig.requestTtlMs / 1000),
    },
  }
}

/** The request ids a (verified) cookie value holds; anything else counts as none. */
export function pendingRequestIds(value: unknown): string[] {
  return Array.isArray(value)
    ? value
        .filter((id): id is string => typeof id === 'string' && REQUEST_ID.test(id))
        .slice(-MAX_PENDING_SIGN_INS)
    : []
}

/** The ids after this browser started sign-in `requestId`. */
export function withPendingRequest(ids: string[], requestId: string) {
  return [...ids.filter((id) => id !== requestId), requestId].slice(-MAX_PENDING_SIGN_INS)
}
