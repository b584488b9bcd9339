import { createHash } from 'node:crypto'
import oidcConfig from '#config/oidc'
import {
  idDerivedUsername,
  inFederatedNamespace,
  type FederatedIdentity,
} from '#services/auth/saml/saml_identity_mapper'
import OidcRejectedException from '#exceptions/oidc_rejected_exception'

/** The external_id column's length. */
const MAX_EXTERNAL_ID = 255

/**
 * The account key of a person at an OpenID provider: the issuer (as a
 * short digest) and `sub`, which OpenID Connect promises is never
 * reassigned within one issuer. Usernames, e-mail addresses and other
 * claims can change hands; this cannot.
 */
export function oidcExternalId(issuer: string, sub: string) {
  const issuerDigest = createHash('sha256').update(issuer).digest('hex').slice(0, 12)
  return `${issuerDigest}:${sub}`
}

/** The claim's string values: a string, or the strings of an array. */
function values(claims: Record<string, unknown>, name: string | undefined): string[] {
  if (!name) {
    return []
  }
  return [claims[name]]
    .flat()
    .filter((value): value is string => typeof value === 'string')
    .map((value) => value.trim())
    .filter(Boolean)
}

function first(claims: Record<string, unknown>, name: string | undefined) {
  return values(claims, name)[0] ?? null
}

/**
 * Turns validated claims into a FederatedIdentity following the configured
 * claim mapping (docs/configuration.md): usernames in the provider's
 * namespace (`<claim>@OIDC_USERNAME_SCOPE`), the admin role from the role
 * claim's values.
 */
export function mapOidcClaims(issuer: string, claims: Record<string, unknown>): FederatedIdentity {
  const { mapping } = oidcConfig
  const sub = typeof claims.sub === 'string' ? claims.sub : ''
  const externalId = oidcExternalId(issuer, sub)
  if (!sub || externalId.length > MAX_EXTERNAL_ID) {
    throw new OidcRejectedException('missing or oversized sub')
  }
  const fallback = idDerivedUsername(externalId, mapping.usernameScope)
  const asserted = first(claims, mapping.username)
  const adminValues = new Set(mapping.adminValues)
  const grantsAdmin =
    adminValues.size > 0 &&
    values(claims, mapping.roleClaim).some((value) => adminValues.has(value))
  return {
    persistentId: externalId,
    username: asserted ? inFederatedNamespace(asserted, mapping.usernameScope) : fallback,
    idDerivedUsername: fallback,
    email: first(claims, mapping.email)?.slice(0, 254) ?? null,
    displayName: first(claims, mapping.displayName)?.slice(0, 255) ?? null,
    grantsAdmin,
  }
}
