import env from '#start/env'
import string from '@adonisjs/core/helpers/string'
import { appUrl } from '#config/app'

const enabled = env.get('OIDC_ENABLED', false)

function csv(value: string | undefined) {
  return (value ?? '')
    .split(/[\s,]+/)
    .map((entry) => entry.trim())
    .filter(Boolean)
}

for (const name of ['OIDC_ISSUER', 'OIDC_CLIENT_ID'] as const) {
  if (enabled && !env.get(name)) {
    throw new Error(`Missing environment variable "${name}": OIDC_ENABLED is true`)
  }
}

const issuer = env.get('OIDC_ISSUER', '')
const issuerHost = issuer ? new URL(issuer).hostname.toLowerCase() : ''

/** 127.0.0.0/8, ::1 and localhost: nobody else can listen there. */
function isLoopback(host: string) {
  return (
    host === 'localhost' || host === '[::1]' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host)
  )
}

if (enabled && new URL(issuer).protocol !== 'https:' && !isLoopback(issuerHost)) {
  throw new Error(
    'Invalid environment variable "OIDC_ISSUER": must be an https URL (plain http only on a loopback address)'
  )
}

const usernameScope = (env.get('OIDC_USERNAME_SCOPE') ?? issuerHost).toLowerCase()

/**
 * OpenID Connect sign-in (Authorization Code flow with PKCE) at one
 * provider found by discovery from OIDC_ISSUER (Keycloak, Umbrella's
 * eduTEAMS, Azure AD, Google…).
 */
const oidcConfig = {
  enabled,
  /** The sign-in button's label in the frontend. */
  label: env.get('OIDC_LABEL', 'OpenID Connect sign-in'),

  issuer,
  /** Plain http, allowed for a provider on this machine only (development, tests). */
  allowInsecureHttp: isLoopback(issuerHost),
  clientId: env.get('OIDC_CLIENT_ID', ''),
  /** Unset: a public client, PKCE alone protects the code. */
  clientSecret: env.get('OIDC_CLIENT_SECRET'),
  scopes: csv(env.get('OIDC_SCOPES', 'openid profile email')),
  redirectUri: `${appUrl}/api/v1/auth/oidc/callback`,
  /** Where the provider sends the browser after RP-initiated logout. */
  postLogoutRedirectUrl: env.get('OIDC_POST_LOGOUT_REDIRECT_URL', `${new URL(appUrl).origin}/`),

  clockSkewSeconds: env.get('OIDC_CLOCK_SKEW_SECONDS', 60),
  /** How long a sign-in may take at the provider before its state expires. */
  requestTtlMs: env.get('OIDC_REQUEST_TTL_SECONDS', 600) * 1000,
  /** Each call to the provider (discovery, token, userinfo, keys). */
  timeoutSeconds: env.get('OIDC_TIMEOUT', 10),
  /** Also ask the userinfo endpoint for the claims the ID token lacks. */
  useUserinfo: env.get('OIDC_USE_USERINFO', true),

  /** Claim names (as the provider sends them) → portal account fields. */
  mapping: {
    username: env.get('OIDC_USERNAME_CLAIM', 'preferred_username'),
    email: env.get('OIDC_EMAIL_CLAIM', 'email'),
    displayName: env.get('OIDC_DISPLAY_NAME_CLAIM', 'name'),
    roleClaim: env.get('OIDC_ROLE_CLAIM'),
    /** Values of the role claim (a string or an array) that grant the admin role. */
    adminValues: csv(env.get('OIDC_ADMIN_VALUES')),
    /** Federated usernames end with "@" and this (default: the issuer's host). */
    usernameScope,
  },

  /** How long an admin role the provider granted lasts after the sign-in that carried it. */
  adminMaxAgeMs: string.milliseconds.parse(env.get('OIDC_ADMIN_MAX_AGE', '8h')),

  /** Sign-in starts per client address within the window: 429 beyond. */
  loginThrottle: {
    attempts: env.get('OIDC_LOGIN_THROTTLE_ATTEMPTS', 30),
    window: env.get('OIDC_LOGIN_THROTTLE_WINDOW', '5 mins'),
  },

  /** Sign-ins under way at once, all clients together: 429 beyond. */
  maxPendingSignIns: env.get('OIDC_MAX_PENDING_SIGN_INS', 10_000),
}

export default oidcConfig
