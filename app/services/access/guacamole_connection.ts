import { randomBytes } from 'node:crypto'
import provisioningConfig from '#config/provisioning'
import type { AccessTarget } from '#services/access/access_broker'
import { USERNAME_RANDOM_BYTES } from '#domain/guacamole_names'

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
  // A guest watches: Guacamole then forwards no keyboard or mouse input at all.
  const endpoint = {
    hostname: target.host,
    port: String(target.port),
    ...(target.readOnly ? { 'read-only': 'true' } : {}),
  }
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
