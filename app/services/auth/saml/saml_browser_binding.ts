import { randomBytes } from 'node:crypto'
import samlConfig from '#config/saml'
import BrowserBinding from '#services/auth/browser_binding'

const REQUEST_ID = /^_[0-9a-f]{40}$/

/** An AuthnRequest id as node-saml makes them: "_" and 40 hex digits. */
export function newRequestId() {
  return `_${randomBytes(20).toString('hex')}`
}

/**
 * The ids of the AuthnRequests this browser sent, signed with the app key.
 * The IdP posts to the ACS cross-site, so the cookie must be
 * SameSite=None, which browsers (and the framework) accept only with
 * Secure.
 */
export const samlBrowserBinding = new BrowserBinding<string>({
  cookie: '__Host-portal-saml-request',
  seal: 'signed',
  sameSite: 'none',
  ttlMs: () => samlConfig.requestTtlMs,
  parse: (value) =>
    Array.isArray(value)
      ? value.filter((id): id is string => typeof id === 'string' && REQUEST_ID.test(id))
      : [],
  same: (a, b) => a === b,
})
