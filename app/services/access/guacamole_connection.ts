import { randomBytes } from 'node:crypto'
import provisioningConfig from '#config/provisioning'
import type { AccessTarget } from '#services/access/access_broker'
import { GUACAMOLE_TEXT_LIMITS, guacamoleTextProblem } from '#services/access/guacamole_text'

/** environments.id is an unsigned int: at most 10 digits. */
const ENVIRONMENT_ID_DIGITS = 10
/** Random bytes (hex) that make each Guacamole username unguessable and unique. */
const USERNAME_RANDOM_BYTES = 6

/**
 * Names of every Guacamole user and connection this installation makes
 * start with this, followed by the environment id and a dash: that is how
 * revocation and the reconciler recognise them.
 */
export function guacamoleNamePrefix() {
  return `${provisioningConfig.instanceId}-env-`.toLowerCase()
}

/** The name prefix of one environment's records. */
export function environmentNamePrefix(environmentId: number) {
  return `${guacamoleNamePrefix()}${environmentId}-`
}

/** A new Guacamole username (and connection name) for one environment. */
export function guacamoleUsername(environmentId: number) {
  return `${environmentNamePrefix(environmentId)}${randomBytes(USERNAME_RANDOM_BYTES).toString('hex')}`
}

/**
 * Why names made from this PORTAL_INSTANCE_ID would not fit Guacamole's
 * name columns (varchar(128), utf8), or null when the longest one fits.
 * Checked at boot (config/access.ts).
 */
export function instanceIdProblem(instanceId: string): string | null {
  // "-<environment id>-<random hex>" after the prefix.
  const suffix = 1 + ENVIRONMENT_ID_DIGITS + 1 + USERNAME_RANDOM_BYTES * 2
  const longest = `${instanceId}-env`.toLowerCase() + 'x'.repeat(suffix)
  switch (guacamoleTextProblem(longest, GUACAMOLE_TEXT_LIMITS.name)) {
    case 'characters':
      return 'has characters Guacamole cannot store (outside the Basic Multilingual Plane)'
    case 'length':
      return `is too long: Guacamole names "<id>-env-<environment id>-<random>" must fit in ${GUACAMOLE_TEXT_LIMITS.name} characters, so at most ${GUACAMOLE_TEXT_LIMITS.name - suffix - '-env'.length}`
  }
  return null
}

/** The environment id a portal-made name belongs to, or null for anyone else's. */
export function environmentIdOf(name: string): number | null {
  const prefix = guacamoleNamePrefix()
  if (!name.startsWith(prefix)) {
    return null
  }
  const match = /^(\d+)-/.exec(name.slice(prefix.length))
  return match ? Number(match[1]) : null
}

/**
 * The identifier in a Guacamole client URL: unpadded base64url of
 * "<connection id>\0c\0<data source>" (c = a connection, not a group).
 */
export function clientIdentifier(connection: string | number, dataSource: 'mysql' | 'json') {
  return Buffer.from(`${connection}\0c\0${dataSource}`, 'utf8').toString('base64url')
}

/** Guacamole connection parameters (all strings) for the environment's protocol. */
export function connectionParameters(target: AccessTarget): Record<string, string> {
  const endpoint = { hostname: target.host, port: String(target.port) }
  switch (target.protocol) {
    case 'vnc':
      return { ...endpoint, password: target.secret }
    case 'rdp':
      // Container desktops present self-signed certificates.
      return {
        ...endpoint,
        'username': target.username,
        'password': target.secret,
        'security': 'any',
        'ignore-cert': 'true',
      }
    case 'ssh':
      return { ...endpoint, username: target.username, password: target.secret }
  }
}
