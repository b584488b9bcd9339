import { createCipheriv, createHmac } from 'node:crypto'
import accessConfig from '#config/access'
import type { AccessBroker, AccessGrant, AccessTarget } from '#services/access/access_broker'
import {
  clientIdentifier,
  connectionParameters,
  environmentNamePrefix,
  guacamoleUsername,
} from '#services/access/guacamole_connection'

/** The auth-json extension's payload. */
export type GuacamoleJsonPayload = {
  username: string
  /** Epoch milliseconds; Guacamole re-checks it on every directory lookup. */
  expires: number
  /** The blob can be exchanged for a token once. */
  singleUse: boolean
  connections: Record<string, { protocol: string; parameters: Record<string, string> }>
}

/**
 * Signs and encrypts a payload as guacamole-auth-json expects: HMAC-SHA256
 * of the UTF-8 JSON (key = the shared secret) prepended to the JSON, the
 * whole encrypted with AES-128-CBC (same key, all-zero IV, PKCS#7), base64.
 */
export function sealGuacamoleJson(payload: GuacamoleJsonPayload, secretHex: string) {
  const key = Buffer.from(secretHex, 'hex')
  const json = Buffer.from(JSON.stringify(payload), 'utf8')
  const signature = createHmac('sha256', key).update(json).digest()
  // The zero IV is the extension's format; the leading HMAC makes equal prefixes unlikely.
  const cipher = createCipheriv('aes-128-cbc', key, Buffer.alloc(16))
  return Buffer.concat([cipher.update(Buffer.concat([signature, json])), cipher.final()]).toString(
    'base64'
  )
}

/**
 * How long a blob may be exchanged for a Guacamole session. Guacamole
 * checks `expires` when the blob is presented, not during the session it
 * opens, so a short life costs nothing and keeps a leaked answer (browser
 * history, a proxy log) from opening the environment later.
 */
export const GUACAMOLE_JSON_TTL_MS = 60_000

/**
 * The stateless broker: a signed, encrypted description of the one
 * connection, usable once within a minute (and never after the
 * environment expires). Nothing is written to Guacamole, so there is
 * nothing to revoke: the environment stopping is what ends access.
 */
export default class GuacamoleJsonBroker implements AccessBroker {
  readonly name = 'guacamole-json' as const

  constructor(protected secretHex: string | undefined = accessConfig.guacamole.jsonSecret) {}

  async grant(target: AccessTarget): Promise<AccessGrant> {
    if (!this.secretHex) {
      throw new Error('GUACAMOLE_JSON_SECRET is not set')
    }
    // Unique per environment; the map key is also the client identifier.
    const connection = `${environmentNamePrefix(target.environmentId)}${target.protocol}`
    const payload: GuacamoleJsonPayload = {
      username: guacamoleUsername(target.environmentId),
      expires: Math.min(Date.now() + GUACAMOLE_JSON_TTL_MS, target.expiresAt.toMillis()),
      singleUse: true,
      connections: {
        [connection]: { protocol: target.protocol, parameters: connectionParameters(target) },
      },
    }
    return {
      clientId: clientIdentifier(connection, 'json'),
      credentials: { data: sealGuacamoleJson(payload, this.secretHex) },
    }
  }

  async revoke() {}

  /** Nothing kept: a blob handed to a colleague opens nothing after its minute. */
  async revokeFor() {
    return null
  }

  async sweep() {
    return 0
  }
}
