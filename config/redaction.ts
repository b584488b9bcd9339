/**
 * Keys whose values are secrets, matched without regard to case. Log lines
 * have them censored at any depth (see censorSecrets).
 */
export const secretKeys = [
  'password',
  'passwordConfirmation',
  'currentPassword',
  'newPassword',
  'token',
  'accessToken',
  'refreshToken',
  'secret',
  'apiKey',
  'appKey',
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-xsrf-token',
  'vncPassword',
  'connectionSecret',
  'guacamolePassword',
  // Guacamole's REST API (the administrator's token, sent as a header).
  'authToken',
  'guacamole-token',
  'GUACAMOLE_ADMIN_PASSWORD',
  'SAMLResponse',
  'SAMLRequest',
  'RelayState',
  'eaa_hash',
  'PORTAL_SECRET',
  // Registry logins (REGISTRY_PASSWORD) as dockerode and the engine carry them.
  'authconfig',
  'x-registry-auth',
  'REGISTRY_PASSWORD',
]

export const CENSORED = '[REDACTED]'

/** Deeper than this, a value is dropped whole rather than walked (and cycles end here). */
const MAX_DEPTH = 32

const SECRET_KEYS = new Set(secretKeys.map((key) => key.toLowerCase()))

function isWalkable(value: unknown): value is Record<string, unknown> | unknown[] {
  if (typeof value !== 'object' || value === null) {
    return false
  }
  if (Array.isArray(value)) {
    return true
  }
  // Plain objects only: errors go through their serializer (which keeps no
  // properties but kind, message, code and stack), class instances through toJSON.
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

function censorValue(value: unknown, depth: number): unknown {
  if (!isWalkable(value)) {
    return value
  }
  if (depth >= MAX_DEPTH) {
    return '[TOO DEEP]'
  }
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined
    for (let index = 0; index < value.length; index++) {
      const item = value[index]
      const censored = censorValue(item, depth + 1)
      if (censored !== item) {
        copy ??= value.slice()
        copy[index] = censored
      }
    }
    return copy ?? value
  }
  let copy: Record<string, unknown> | undefined
  for (const key in value) {
    if (!Object.hasOwn(value, key)) {
      continue
    }
    const item = value[key]
    const censored = SECRET_KEYS.has(key.toLowerCase()) ? CENSORED : censorValue(item, depth + 1)
    if (censored !== item) {
      copy ??= { ...value }
      copy[key] = censored
    }
  }
  return copy ?? value
}

/**
 * A log object with the value of every secret key (at any depth, in plain
 * objects and arrays) replaced by "[REDACTED]". Copies only the objects on
 * the way to a secret: a line without one is returned as it came, so the
 * common case costs one walk and no allocation (pino's path-based `redact`
 * compiled 72 wildcard paths and still stopped at the fourth level).
 */
export function censorSecrets<T extends Record<string, unknown>>(object: T): T {
  return censorValue(object, 0) as T
}
