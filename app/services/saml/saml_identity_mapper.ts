import { createHash } from 'node:crypto'
import type { Profile } from '@node-saml/passport-saml'
import samlConfig from '#config/saml'
import SamlResponseRejectedException from '#exceptions/saml_response_rejected_exception'

const TRANSIENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient'

/** A federated person, as far as the IdP's signed assertion says. */
export type FederatedIdentity = {
  /** Stable, pseudonymous: NameID (persistent) or e.g. Umbrella's EAAHash. */
  persistentId: string
  /** From the username attribute, else derived from the persistent id. */
  username: string
  email: string | null
  displayName: string | null
  /** The role attribute grants admin. */
  grantsAdmin: boolean
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

  const username =
    first(profile, mapping.username)?.slice(0, 128) ??
    `fed-${createHash('sha256').update(persistentId).digest('hex').slice(0, 16)}`

  const adminValues = new Set(mapping.adminValues)
  const grantsAdmin =
    adminValues.size > 0 &&
    values(profile, mapping.roleAttribute).some((value) => adminValues.has(value))

  return {
    persistentId,
    username,
    email: first(profile, mapping.email)?.slice(0, 254) ?? null,
    displayName: first(profile, mapping.displayName)?.slice(0, 255) ?? null,
    grantsAdmin,
  }
}
