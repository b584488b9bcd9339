import oidcConfig from '#config/oidc'
import BrowserBinding from '#services/auth/browser_binding'
import type { OidcChecks } from '#services/auth/oidc/oidc_client'

/** What openid-client's random* helpers make: 43 base64url characters. */
const RANDOM_VALUE = /^[\w-]{43}$/

/**
 * The state, nonce and PKCE verifier of each sign-in this browser started,
 * encrypted with the app key (the verifier is a secret). The provider
 * sends the browser back with a top-level GET, which carries SameSite=Lax
 * cookies.
 */
export const oidcBrowserBinding = new BrowserBinding<OidcChecks>({
  cookie: '__Host-portal-oidc-request',
  seal: 'encrypted',
  sameSite: 'lax',
  ttlMs: () => oidcConfig.requestTtlMs,
  parse: (value) =>
    Array.isArray(value)
      ? value
          .filter(
            (entry): entry is OidcChecks =>
              typeof entry === 'object' &&
              entry !== null &&
              [entry.state, entry.nonce, entry.codeVerifier].every(
                (part) => typeof part === 'string' && RANDOM_VALUE.test(part)
              )
          )
          .map(({ state, nonce, codeVerifier }) => ({ state, nonce, codeVerifier }))
      : [],
  same: (a, b) => a.state === b.state,
})
