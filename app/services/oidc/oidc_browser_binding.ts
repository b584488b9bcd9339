import type { CookieOptions } from '@adonisjs/core/types/http'
import oidcConfig from '#config/oidc'
import type { OidcChecks } from '#services/oidc/oidc_client'

/** Sign-ins one browser may have under way at once (several tabs); older ones drop out. */
export const MAX_PENDING_SIGN_INS = 5

/** Name of the cookie below. `__Host-`: no sibling subdomain can plant its own value. */
export const OIDC_BINDING_COOKIE = '__Host-portal-oidc-request'

/** What openid-client's random* helpers make: 43 base64url characters. */
const RANDOM_VALUE = /^[\w-]{43}$/

/**
 * The cookie that binds an OpenID Connect sign-in to the browser that
 * started it (login CSRF: an answer someone captured from their own
 * sign-in must not sign another browser into their account). It holds
 * the state, nonce and PKCE verifier of each sign-in this browser started,
 * encrypted with the app key (the verifier is a secret), for as long as a
 * sign-in stays answerable.
 *
 * The provider sends the browser back with a top-level GET, which carries
 * SameSite=Lax cookies; Secure as the `__Host-` prefix demands (browsers
 * take Secure cookies from loopback origins over http too).
 */
export function oidcBindingCookie(): { name: string; options: Partial<CookieOptions> } {
  return {
    name: OIDC_BINDING_COOKIE,
    options: {
      httpOnly: true,
      secure: true,
      sameSite: 'lax',
      path: '/',
      maxAge: Math.ceil(oidcConfig.requestTtlMs / 1000),
    },
  }
}

/** The sign-ins a (decrypted) cookie value holds; anything malformed counts as none. */
export function pendingSignIns(value: unknown): OidcChecks[] {
  if (!Array.isArray(value)) {
    return []
  }
  return value
    .filter(
      (entry): entry is OidcChecks =>
        typeof entry === 'object' &&
        entry !== null &&
        [entry.state, entry.nonce, entry.codeVerifier].every(
          (part) => typeof part === 'string' && RANDOM_VALUE.test(part)
        )
    )
    .map(({ state, nonce, codeVerifier }) => ({ state, nonce, codeVerifier }))
    .slice(-MAX_PENDING_SIGN_INS)
}

/** The sign-ins after this browser started `checks`. */
export function withPendingSignIn(pending: OidcChecks[], checks: OidcChecks) {
  return [...pending.filter((entry) => entry.state !== checks.state), checks].slice(
    -MAX_PENDING_SIGN_INS
  )
}
