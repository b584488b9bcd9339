import {
  createDecipheriv,
  createHash,
  createHmac,
  randomBytes,
  randomUUID,
  timingSafeEqual,
} from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import db from '@adonisjs/lucid/services/db'
import accessConfig from '#config/access'
import { GUACAMOLE_CONNECTION, guacamolePasswordHash } from '#services/access/guacamole_db_broker'
import { environmentNamePrefix, guacamoleNamePrefix } from '#services/access/guacamole_connection'

/** Who a token was issued to. */
export type IssuedToken = {
  username: string
  dataSource: 'mysql' | 'json'
  payload?: any
  /** Signed in with `admins`' credentials: system permission ADMINISTER. */
  admin?: boolean
}

/** One open tunnel, as `GET …/activeConnections` describes it (APIActiveConnection). */
export type ActiveConnection = {
  identifier: string
  connectionIdentifier: string
  startDate: number
  remoteHost: string
  username: string
}

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
 *
 * Open tunnels: `connect` opens one with an issued token, as the browser's
 * client would; an administrator (credentials in `admins`) lists them at
 * `GET /guacamole/api/session/data/<dataSource>/activeConnections` (an
 * object keyed by identifier) and ends them with a JSON Patch `PATCH` of
 * `remove` operations, as in Guacamole 1.5/1.6 (ActiveConnectionDirectory-
 * Resource: atomic, 400 with the outcome of each patch when one fails).
 * Tokens go in the `Guacamole-Token` header or `?token=`, and end with
 * `DELETE /guacamole/api/tokens/<token>`.
 */
export class FakeGuacamole {
  #server: Server | null = null
  readonly issued = new Map<string, IssuedToken>()
  readonly #usedBlobs = new Set<string>()
  /** Administrators' usernames and passwords (not in the database: the test sets them). */
  readonly admins = new Map<string, string>()
  readonly active = new Map<string, ActiveConnection>()
  /** Requests on the administrative session API never answered (a hung Guacamole). */
  stallSessionApi = false
  readonly #stalled = new Set<ServerResponse>()
  /** Each tunnel's data source: an administrator lists only its own's. */
  readonly #tunnelSources = new Map<string, string>()

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
    this.#stalled.clear()
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

  /** The latest token issued to a Guacamole username, if any. */
  issuedTokenOf(username: string) {
    return [...this.issued].findLast(([, issued]) => issued.username === username)?.[0] ?? null
  }

  /**
   * Opens a tunnel to the connection of a client URL (`#/client/<id>`) with
   * an issued token, like the browser's client does; its identifier, or
   * null when Guacamole would refuse (unknown token, no such connection).
   */
  async connect(authToken: string, clientId: string): Promise<string | null> {
    const issued = this.issued.get(authToken)
    const [connectionIdentifier, type, dataSource] = Buffer.from(clientId, 'base64url')
      .toString('utf8')
      .split('\0')
    if (!issued || type !== 'c' || dataSource !== issued.dataSource) {
      return null
    }
    if (issued.dataSource === 'mysql') {
      // Only a connection the user may READ (the JDBC module's permission check).
      const permitted = await db
        .connection(GUACAMOLE_CONNECTION)
        .from('guacamole_connection_permission as p')
        .join('guacamole_entity as e', 'e.entity_id', 'p.entity_id')
        .where('e.name', issued.username)
        .where('p.connection_id', Number(connectionIdentifier))
        .where('p.permission', 'READ')
        .first()
      if (!permitted) {
        return null
      }
    }
    const identifier = randomUUID()
    this.#tunnelSources.set(identifier, issued.dataSource)
    this.active.set(identifier, {
      identifier,
      connectionIdentifier,
      startDate: Date.now(),
      remoteHost: '127.0.0.1',
      username: issued.username,
    })
    return identifier
  }

  async #handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://guacamole.invalid')
    // Public, like Guacamole's own: what its login page loads first (the portal's readiness probe).
    if (req.method === 'GET' && url.pathname === '/guacamole/api/languages') {
      return this.#send(res, 200, { en: 'English', de: 'Deutsch' })
    }
    const session = /^\/guacamole\/api\/session\/data\/([^/]+)\/activeConnections$/.exec(
      url.pathname
    )
    if (session) {
      return this.#activeConnections(req, res, url, decodeURIComponent(session[1]))
    }
    const signOut = /^\/guacamole\/api\/tokens\/([^/]+)$/.exec(url.pathname)
    if (req.method === 'DELETE' && signOut) {
      const known = this.issued.delete(decodeURIComponent(signOut[1]))
      return known
        ? res.writeHead(204).end()
        : this.#send(res, 404, { message: 'No such token.', type: 'NOT_FOUND' })
    }
    if (req.method !== 'POST' || url.pathname !== '/guacamole/api/tokens') {
      return this.#send(res, 404, { message: 'not found' })
    }
    const form = new URLSearchParams(await this.#body(req))
    const username = form.get('username') ?? ''
    const password = form.get('password') ?? ''
    const admin = !form.has('data') && this.#isAdmin(username, password)
    const issued = form.has('data')
      ? this.#fromJson(form.get('data')!)
      : admin
        ? { username, dataSource: 'mysql' as const, admin: true }
        : await this.#fromDatabase(username, password)
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

  #isAdmin(username: string, password: string) {
    const expected = this.admins.get(username)
    return (
      expected !== undefined &&
      expected.length === password.length &&
      timingSafeEqual(Buffer.from(expected), Buffer.from(password))
    )
  }

  async #body(req: IncomingMessage) {
    const chunks: Buffer[] = []
    for await (const chunk of req) {
      chunks.push(chunk as Buffer)
    }
    return Buffer.concat(chunks).toString('utf8')
  }

  /** `GET` lists, `PATCH` (JSON Patch, `remove` only here) ends: ActiveConnectionDirectoryResource. */
  async #activeConnections(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    dataSource: string
  ) {
    const body = await this.#body(req)
    if (this.stallSessionApi) {
      this.#stalled.add(res)
      return
    }
    const token = req.headers['guacamole-token'] ?? url.searchParams.get('token') ?? ''
    const issued = typeof token === 'string' ? this.issued.get(token) : undefined
    if (!issued) {
      return this.#send(res, 403, { message: 'Permission Denied.', type: 'PERMISSION_DENIED' })
    }
    if (dataSource !== issued.dataSource) {
      return this.#send(res, 404, {
        message: `No such data source: "${dataSource}"`,
        type: 'NOT_FOUND',
      })
    }
    // An administrator sees every tunnel of the data source; this stand-in grants no one else any.
    const visible = issued.admin
      ? [...this.active.values()].filter(
          (c) => this.#tunnelSources.get(c.identifier) === dataSource
        )
      : []
    if (req.method === 'GET') {
      return this.#send(res, 200, Object.fromEntries(visible.map((c) => [c.identifier, c])))
    }
    if (req.method !== 'PATCH') {
      return this.#send(res, 405, { message: 'Method not allowed.' })
    }
    if (!issued.admin) {
      return this.#send(res, 403, { message: 'Permission Denied.', type: 'PERMISSION_DENIED' })
    }
    let patches: Array<{ op?: unknown; path?: unknown }>
    try {
      patches = JSON.parse(body)
    } catch {
      return this.#send(res, 400, { message: 'Malformed JSON.', type: 'BAD_REQUEST' })
    }
    if (!Array.isArray(patches)) {
      return this.#send(res, 400, { message: 'Not a JSON Patch.', type: 'BAD_REQUEST' })
    }
    const outcomes = patches.map((patch) => {
      const path = String(patch.path ?? '')
      const identifier = path.slice(1)
      const ok = patch.op === 'remove' && path.startsWith('/') && this.active.has(identifier)
      return { op: patch.op, identifier, path, ok }
    })
    if (outcomes.some((outcome) => !outcome.ok)) {
      // Atomic: nothing is ended when one patch fails.
      return this.#send(res, 400, {
        message: 'The provided patches failed to apply.',
        type: 'BAD_REQUEST',
        patches: outcomes.map(({ op, identifier, path, ok }) =>
          ok ? { op, identifier: null, path } : { op, identifier, path, error: 'Not found' }
        ),
      })
    }
    for (const { identifier } of outcomes) {
      this.active.delete(identifier)
    }
    this.#send(res, 200, {
      patches: outcomes.map(({ op, identifier, path }) => ({ op, identifier, path })),
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

/**
 * A Guacamole administrator known to the stand-in and configured in the
 * portal (GUACAMOLE_ADMIN_USERNAME/PASSWORD) for one test; returns the
 * cleanup that puts both back (pass it to the test's `cleanup`).
 */
export function useGuacamoleAdmin() {
  const admin = { username: 'portal-admin', password: randomBytes(12).toString('hex') }
  fakeGuacamole.admins.set(admin.username, admin.password)
  accessConfig.guacamole.admin = admin
  return () => {
    accessConfig.guacamole.admin = null
    fakeGuacamole.admins.clear()
    fakeGuacamole.stallSessionApi = false
    fakeGuacamole.active.clear()
  }
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
