import { createHash } from 'node:crypto'
import type { Profile } from '@node-saml/passport-saml'
import samlConfig from '#config/saml'
import SamlResponseRejectedException from '#exceptions/saml_response_rejected_exception'

const TRANSIENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient'
const MAX_USERNAME = 128

/** A federated person, as far as the IdP's signed assertion says. */
export type FederatedIdentity = {
  /** Stable, pseudonymous: NameID (persistent) or e.g. Umbrella's EAAHash. */
  persistentId: string
  /** `<username attribute>@<scope>`, else the id-derived name. */
  username: string
  /** `fed-<digest of the persistent id>@<scope>`: the name to fall back on. */
  idDerivedUsername: string
  email: string | null
  displayName: string | null
  /** The role attribute grants admin. */
  grantsAdmin: boolean
}

/**
 * What every federated username ends with: "@" and the scope
 * (SAML_USERNAME_SCOPE by default; OIDC_USERNAME_SCOPE for OpenID Connect).
 */
export function federatedNamespace(scope = samlConfig.mapping.usernameScope) {
  return `@${scope}`
}

/** `value` in the federated namespace, within the username column's length. */
export function inFederatedNamespace(value: string, scope = samlConfig.mapping.usernameScope) {
  const suffix = federatedNamespace(scope)
  const local = value.endsWith(suffix) ? value.slice(0, -suffix.length) : value
  return local.slice(0, MAX_USERNAME - suffix.length) + suffix
}

/** The name derived from a persistent id: unique per person, nothing anyone else can pick. */
export function idDerivedUsername(persistentId: string, scope = samlConfig.mapping.usernameScope) {
  const digest = createHash('sha256').update(persistentId).digest('hex').slice(0, 16)
  return inFederatedNamespace(`fed-${digest}`, scope)
}

/** node-saml hands a single-valued attribute as a string, a multi-valued one as an array. */
function values(profile: Profile, name: string | undefined): string[] {
  if (!name) {
    return []
  }
  const raw =
    name === 'nameID' ? profile.nameID : ((profile.attributes as any)?.[name] ?? profile[name])
  return [raw]
    .flat()
    .filter((value): value is string => typeof value === 'string')
    .map((value) => value.trim())
    .filter(Boolean)
}

function first(profile: Profile, name: string | undefined) {
  return values(profile, name)[0] ?? null
}

/**
 * Turns an asserted profile into a FederatedIdentity following the
 * configured attribute mapping (docs/configuration.md).
 */
export function mapSamlProfile(profile: Profile): FederatedIdentity {
  const { mapping } = samlConfig
  if (mapping.id === 'nameID' && profile.nameIDFormat === TRANSIENT) {
    // A transient NameID changes at every sign-in: accounts would multiply.
    throw new SamlResponseRejectedException('transient NameID cannot identify a person')
  }
  const persistentId = first(profile, mapping.id)
  if (!persistentId || persistentId.length > 255) {
    throw new SamlResponseRejectedException(`missing or oversized identifier "${mapping.id}"`)
  }

  const fallback = idDerivedUsername(persistentId)
  const asserted = first(profile, mapping.username)
  const adminValues = new Set(mapping.adminValues)
  const grantsAdmin =
    adminValues.size > 0 &&
    values(profile, mapping.roleAttribute).some((value) => adminValues.has(value))

  return {
    persistentId,
    username: asserted ? inFederatedNamespace(asserted) : fallback,
    idDerivedUsername: fallback,
    email: first(profile, mapping.email)?.slice(0, 254) ?? null,
    displayName: first(profile, mapping.displayName)?.slice(0, 255) ?? null,
    grantsAdmin,
  }
}
