import env from '#start/env'
import provisioningConfig from '#config/provisioning'
import { instanceIdProblem } from '#domain/guacamole_names'

/** How users reach their environments' desktops and terminals. */
export type AccessBrokerName = 'guacamole-db' | 'guacamole-json' | 'none'

/** Strips a trailing slash so paths can be appended. */
function baseUrl(value: string | undefined) {
  return value ? value.replace(/\/+$/, '') : undefined
}

const broker = env.get('ACCESS_BROKER', 'guacamole-db') as AccessBrokerName

// Guacamole user and connection names are built from it (guacamole_connection.ts).
const instanceProblem = broker === 'none' ? null : instanceIdProblem(provisioningConfig.instanceId)
if (instanceProblem) {
  throw new Error(`Invalid environment variable "PORTAL_INSTANCE_ID": ${instanceProblem}`)
}
const jsonSecret = env.get('GUACAMOLE_JSON_SECRET')?.release()

if (jsonSecret !== undefined && !/^[0-9a-fA-F]{32}$/.test(jsonSecret)) {
  throw new Error('Invalid environment variable "GUACAMOLE_JSON_SECRET": use 32 hex digits')
}
if (broker === 'guacamole-json' && !jsonSecret) {
  throw new Error(
    'Missing environment variable "GUACAMOLE_JSON_SECRET": ACCESS_BROKER is guacamole-json'
  )
}

function guacamoleAdmin() {
  const username = env.get('GUACAMOLE_ADMIN_USERNAME')
  const password = env.get('GUACAMOLE_ADMIN_PASSWORD')?.release()
  if (Boolean(username) !== Boolean(password)) {
    throw new Error(
      'Invalid environment variables "GUACAMOLE_ADMIN_USERNAME"/"GUACAMOLE_ADMIN_PASSWORD": set both or neither'
    )
  }
  return username && password ? { username, password } : null
}

/**
 * Remote access (see docs/configuration.md and docs/deployment.md).
 * Images speaking http are always reached directly; vnc/rdp/ssh go
 * through Apache Guacamole unless the broker is "none".
 */
const accessConfig = {
  broker,
  guacamole: {
    /** Base URL of the Guacamole web app as the user's browser sees it. */
    url: baseUrl(env.get('GUACAMOLE_URL')),
    /** Base URL the portal itself uses to exchange credentials for a token. */
    apiUrl: baseUrl(env.get('GUACAMOLE_API_URL') ?? env.get('GUACAMOLE_URL')),
    /** The auth-json extension's shared key (16 bytes, hex). */
    jsonSecret,
    /** Per-call timeout of the token exchange. */
    timeoutMs: Math.round(env.get('GUACAMOLE_TIMEOUT', 5) * 1000),
    /**
     * A Guacamole administrator (ADMINISTER system permission) the portal
     * signs in as to end open sessions when access is withdrawn; unset:
     * open sessions run on until they close.
     */
    admin: guacamoleAdmin(),
  },
}

export default accessConfig
