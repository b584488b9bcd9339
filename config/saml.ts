import env from '#start/env'
import string from '@adonisjs/core/helpers/string'
import { appUrl } from '#config/app'

const enabled = env.get('SAML_ENABLED', false)

function csv(value: string | undefined) {
  return (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
}

for (const name of [
  // Responses and logout messages from any other issuer are refused.
  'SAML_IDP_ENTITY_ID',
  'SAML_IDP_SSO_URL',
  'SAML_IDP_CERT',
  'SAML_SP_PRIVATE_KEY',
  'SAML_SP_CERT',
] as const) {
  if (enabled && !env.get(name)) {
    throw new Error(`Missing environment variable "${name}": SAML_ENABLED is true`)
  }
}

const idpEntityId = env.get('SAML_IDP_ENTITY_ID', '')

/** The host of an entity id that is a URL ("https://idp.example/shibboleth" → "idp.example"). */
function hostOf(entityId: string) {
  try {
    return new URL(entityId).hostname.toLowerCase() || undefined
  } catch {
    return undefined
  }
}

const usernameScope = (env.get('SAML_USERNAME_SCOPE') ?? hostOf(idpEntityId) ?? '').toLowerCase()
if (enabled && idpEntityId && !usernameScope) {
  throw new Error(
    'Missing environment variable "SAML_USERNAME_SCOPE": SAML_IDP_ENTITY_ID is no URL to take the scope of federated usernames from'
  )
}

/**
 * SAML 2.0 single sign-on (Umbrella, eduGAIN or any SAML IdP). Keys and
 * certificates are PEM text or paths to PEM files, read when used (so
 * files can be rotated without a restart).
 */
const samlConfig = {
  enabled,
  /** The sign-in button's label in the frontend. */
  label: env.get('SAML_LABEL', 'Federated sign-in'),

  idp: {
    entityId: idpEntityId,
    ssoUrl: env.get('SAML_IDP_SSO_URL', ''),
    sloUrl: env.get('SAML_IDP_SLO_URL'),
    /** One or more certificates (comma-separated), to allow IdP key rollover. */
    certificates: csv(env.get('SAML_IDP_CERT')),
  },

  sp: {
    entityId: env.get('SAML_SP_ENTITY_ID', `${appUrl}/api/v1/auth/saml/metadata`),
    acsUrl: `${appUrl}/api/v1/auth/saml/acs`,
    sloUrl: `${appUrl}/api/v1/auth/saml/slo`,
    privateKey: env.get('SAML_SP_PRIVATE_KEY'),
    certificate: env.get('SAML_SP_CERT', ''),
  },

  clockSkewMs: env.get('SAML_CLOCK_SKEW_SECONDS', 60) * 1000,
  /** How long a sign-in may take at the IdP before its request id expires. */
  requestTtlMs: env.get('SAML_REQUEST_TTL_SECONDS', 600) * 1000,

  /** Identity mapping (attribute names as the IdP sends them, or "nameID"). */
  mapping: {
    id: env.get('SAML_ID_ATTRIBUTE', 'nameID'),
    username: env.get('SAML_USERNAME_ATTRIBUTE'),
    email: env.get('SAML_EMAIL_ATTRIBUTE'),
    displayName: env.get('SAML_DISPLAY_NAME_ATTRIBUTE'),
    roleAttribute: env.get('SAML_ROLE_ATTRIBUTE'),
    /** Values of the role attribute that grant the admin role. */
    adminValues: csv(env.get('SAML_ADMIN_VALUES')),
    /**
     * Federated usernames end with "@" and this, so that an IdP cannot
     * assert a name a User Office or local account holds or will hold.
     */
    usernameScope,
  },

  /** Map the federated id to a facility account through the User Office (contract endpoint 2). */
  resolveWithUserOffice: env.get('SAML_RESOLVE_WITH_USER_OFFICE', false),

  /**
   * How long an admin role the IdP granted lasts after the assertion that
   * carried it: older sessions act as scientists until a fresh sign-in,
   * admin-scoped tokens expire within it.
   */
  adminMaxAgeMs: string.milliseconds.parse(env.get('SAML_ADMIN_MAX_AGE', '8h')),

  /** Sign-in starts per client address within the window (each caches a request): 429 beyond. */
  loginThrottle: {
    attempts: env.get('SAML_LOGIN_THROTTLE_ATTEMPTS', 30),
    window: env.get('SAML_LOGIN_THROTTLE_WINDOW', '5 mins'),
  },

  /** Sign-ins under way at once, all clients together (the request cache's bound): 429 beyond. */
  maxPendingSignIns: env.get('SAML_MAX_PENDING_SIGN_INS', 10_000),
}

export default samlConfig
