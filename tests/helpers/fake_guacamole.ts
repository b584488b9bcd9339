import { createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import db from '@adonisjs/lucid/services/db'
import accessConfig from '#config/access'
import { GUACAMOLE_CONNECTION, guacamolePasswordHash } from '#services/access/guacamole_db_broker'
import { environmentNamePrefix, guacamoleNamePrefix } from '#services/access/guacamole_connection'

/** Who a token was issued to. */
export type IssuedToken = { username: string; dataSource: 'mysql' | 'json'; payload?: any }

/**
 * Opens and verifies a guacamole-auth-json blob the way the extension does
 * (AES-128-CBC, zero IV; then HMAC-SHA256 over the JSON); null when it fails.
 */
export function openGuacamoleJson(blob: string, secretHex: string): any | null {
  try {
    const key = Buffer.from(secretHex, 'hex')
    const decipher = createDecipheriv('aes-128-cbc', key, Buffer.alloc(16))
    const plain = Buffer.concat([decipher.update(Buffer.from(blob, 'base64')), decipher.final()])
    const signature = plain.subarray(0, 32)
    const json = plain.subarray(32)
    const expected = createHmac('sha256', key).update(json).digest()
    if (signature.length !== 32 || !timingSafeEqual(signature, expected)) {
      return null
    }
    return JSON.parse(json.toString('utf8'))
  } catch {
    return null
  }
}

/**
 * A stand-in for the Guacamole web application: `POST /guacamole/api/tokens`
 * really authenticates against the Guacamole database rows (JDBC module:
 * entity → user, hash recomputed with the stored salt, disabled/expired
 * and validity dates checked) or a signed JSON blob (auth-json: signature,
 * `expires`, single use), and answers `{authToken}` or 403. `GET
 * /guacamole/api/languages` answers like Guacamole's public endpoint.
 */
export class FakeGuacamole {
  #server: Server | null = null
  readonly issued = new Map<string, IssuedToken>()
  readonly #usedBlobs = new Set<string>()

  #baseUrl = ''

  async start(port: number) {
    this.#baseUrl = `http://127.0.0.1:${port}/guacamole`
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch(() => this.#send(res, 500, { message: 'internal error' }))
    })
    await new Promise<void>((resolve, reject) => {
      this.#server!.once('error', reject)
      this.#server!.listen(port, '127.0.0.1', () => resolve())
    })
  }

  async stop() {
    const server = this.#server
    this.#server = null
    if (server) {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }

  /** Posts credentials like a browser would; the status and body of the answer. */
  async authenticate(fields: Record<string, string>) {
    const response = await fetch(`${this.#baseUrl}/api/tokens`, {
      method: 'POST',
      body: new URLSearchParams(fields),
    })
    return { status: response.status, body: (await response.json()) as any }
  }

  async #handle(req: IncomingMessage, res: ServerResponse) {
    // Public, like Guacamole's own: what its login page loads first (the portal's readiness probe).
    if (req.method === 'GET' && req.url === '/guacamole/api/languages') {
      return this.#send(res, 200, { en: 'English', de: 'Deutsch' })
    }
    if (req.method !== 'POST' || req.url !== '/guacamole/api/tokens') {
      return this.#send(res, 404, { message: 'not found' })
    }
    const chunks: Buffer[] = []
    for await (const chunk of req) {
      chunks.push(chunk as Buffer)
    }
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
    const issued = form.has('data')
      ? this.#fromJson(form.get('data')!)
      : await this.#fromDatabase(form.get('username') ?? '', form.get('password') ?? '')
    if (!issued) {
      return this.#send(res, 403, { message: 'Permission Denied.', type: 'INVALID_CREDENTIALS' })
    }
    const authToken = randomBytes(32).toString('hex').toUpperCase()
    this.issued.set(authToken, issued)
    this.#send(res, 200, {
      authToken,
      username: issued.username,
      dataSource: issued.dataSource,
      availableDataSources: [issued.dataSource],
    })
  }

  async #fromDatabase(username: string, password: string): Promise<IssuedToken | null> {
    const user = await db
      .connection(GUACAMOLE_CONNECTION)
      .from('guacamole_entity as e')
      .join('guacamole_user as u', 'u.entity_id', 'e.entity_id')
      .where('e.type', 'USER')
      .where('e.name', username)
      .select('u.password_hash', 'u.password_salt', 'u.disabled', 'u.expired', 'u.valid_until')
      .first()
    if (!user || !user.password_salt) {
      return null
    }
    const hash = guacamolePasswordHash(password, Buffer.from(user.password_salt))
    if (!timingSafeEqual(hash, Buffer.from(user.password_hash))) {
      return null
    }
    // Expired = must change the password first: no token either.
    if (Number(user.disabled) || Number(user.expired)) {
      return null
    }
    if (user.valid_until && new Date(user.valid_until).getTime() + 86_400_000 < Date.now()) {
      return null
    }
    return { username, dataSource: 'mysql' }
  }

  #fromJson(blob: string): IssuedToken | null {
    const payload = openGuacamoleJson(blob, accessConfig.guacamole.jsonSecret ?? '')
    if (!payload || typeof payload.username !== 'string') {
      return null
    }
    if (typeof payload.expires === 'number' && payload.expires < Date.now()) {
      return null
    }
    const digest = createHash('sha256').update(blob).digest('hex')
    if (payload.singleUse) {
      if (this.#usedBlobs.has(digest)) {
        return null
      }
      this.#usedBlobs.add(digest)
    }
    return { username: payload.username, dataSource: 'json', payload }
  }

  #send(res: ServerResponse, status: number, body: unknown) {
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body))
  }
}

/** The Guacamole every test talks to, at the port of GUACAMOLE_URL (.env.test). */
export const fakeGuacamole = new FakeGuacamole()

export function fakeGuacamolePort() {
  return Number(new URL(accessConfig.guacamole.url!).port)
}

/** Every Guacamole row the portal made for one environment (by name prefix). */
export async function guacamoleRowsOf(environmentId: number) {
  const guacamole = db.connection(GUACAMOLE_CONNECTION)
  const pattern = `${environmentNamePrefix(environmentId)}%`
  const entities = await guacamole.from('guacamole_entity').where('name', 'like', pattern)
  const entityIds = entities.map((row) => row.entity_id)
  const connections = await guacamole
    .from('guacamole_connection')
    .where('connection_name', 'like', pattern)
  const connectionIds = connections.map((row) => row.connection_id)
  const users = await guacamole.from('guacamole_user').whereIn('entity_id', entityIds)
  return {
    entities,
    users,
    /** What each user may do to users (READ on itself). */
    userPermissions: await guacamole.from('guacamole_user_permission').whereIn(
      'affected_user_id',
      users.map((row) => row.user_id)
    ),
    connections,
    parameters: await guacamole
      .from('guacamole_connection_parameter')
      .whereIn('connection_id', connectionIds)
      .orderBy('parameter_name'),
    permissions: await guacamole
      .from('guacamole_connection_permission')
      .whereIn('entity_id', entityIds),
  }
}

/**
 * Removes every record the portal made in the Guacamole test database:
 * it is a separate connection, outside the tests' rolled-back transaction.
 */
export async function clearGuacamoleRecords() {
  const guacamole = db.connection(GUACAMOLE_CONNECTION)
  const pattern = `${guacamoleNamePrefix()}%`
  await guacamole
    .from('guacamole_connection_history')
    .where('connection_name', 'like', pattern)
    .delete()
  await guacamole.from('guacamole_connection').where('connection_name', 'like', pattern).delete()
  await guacamole.from('guacamole_entity').where('name', 'like', pattern).delete()
}
