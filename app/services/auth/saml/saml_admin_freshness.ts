import type User from '#models/user'
import samlConfig from '#config/saml'
import oidcConfig from '#config/oidc'
import type { SamlSessionInfo } from '#services/auth/saml/saml_session_registry'

/**
 * What the portal session remembers of the SAML sign-in that opened it:
 * the NameID and SessionIndex single logout needs, and when, and for whom,
 * the IdP last vouched.
 */
export type SamlSessionState = SamlSessionInfo & {
  /** Epoch milliseconds of the assertion's consumption at the ACS. */
  assertedAt?: number
  userId?: number
}

/** The admin role's row when an IdP (SAML or OpenID Connect) gave it (roleRows loaded). */
function idpAdminRow(user: User) {
  return user.roleRows.find(
    (row) => row.role === 'admin' && (row.source === 'saml' || row.source === 'oidc')
  )
}

/** Whether the account's admin role is the IdP's to give (roleRows loaded). */
export function adminFromIdp(user: User) {
  return idpAdminRow(user) !== undefined
}

/**
 * When the IdP last vouched for `user` in this session, or null when it
 * never did (a password sign-in, or another person's assertion).
 */
export function assertedAt(state: SamlSessionState | undefined, user: User) {
  return state?.userId === user.id && typeof state.assertedAt === 'number' ? state.assertedAt : null
}

/**
 * Until when an IdP-granted admin role holds for a credential vouched for
 * at `since` (epoch ms), or null when the admin role is not the IdP's.
 */
export function samlAdminValidUntil(user: User, since: number | null) {
  const row = idpAdminRow(user)
  if (!row) {
    return null
  }
  const maxAge = row.source === 'oidc' ? oidcConfig.adminMaxAgeMs : samlConfig.adminMaxAgeMs
  return since === null ? 0 : since + maxAge
}

/**
 * An IdP-granted admin role no fresh enough assertion backs: a session
 * whose assertion (or a token whose creation) is older than
 * SAML_ADMIN_MAX_AGE (OIDC_ADMIN_MAX_AGE for an OpenID provider's role)
 * acts without it.
 */
export function samlAdminLapsed(user: User, since: number | null, now = Date.now()) {
  const until = samlAdminValidUntil(user, since)
  return until !== null && now >= until
}
