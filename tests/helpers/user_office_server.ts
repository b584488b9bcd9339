import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

/**
 * A fake facility "User Office" speaking the real REST contract over real
 * HTTP on 127.0.0.1, so the portal's own client can be tested end to end,
 * including slow, failing and malformed answers.
 */

/** A local facility account accepted by `POST /login`. */
export type UoAccount = {
  /** What the user types. */
  username: string
  password: string
  /** Identity the User Office answers with (defaults to `username`). */
  canonicalUsername?: string
  /** Answer 200 with `{}`: the contract lets the body omit the username. */
  omitUsernameInReply?: boolean
}

/** One beamtime session, exactly as the User Office serialises it. */
export type UoSession = {
  session_number: string
  start_date: string
  end_date: string
  subject: string
  body: string
  /** A JSON document encoded as a string (stored verbatim, even if invalid). */
  data_set_path: string
}

/** One experiment (proposal) of a user. */
export type UoExperiment = {
  proposal_id: string
  subject: string
  body: string
  beam_line: string
  uid: string
  gid: string
  sessions: UoSession[]
}

/** A misbehaviour to answer with instead of the contract. */
export type UoFault =
  /** Answer this status (e.g. 429, 500, 502, 503) with an optional raw body and headers. */
  | { kind: 'status'; status: number; body?: string; headers?: Record<string, string> }
  /** Destroy the socket without answering. */
  | { kind: 'reset' }
  /** 200 whose body is not JSON although it claims to be. */
  | { kind: 'malformed' }
  /** 200 with valid JSON of the wrong shape. */
  | { kind: 'wrongShape' }

/** The four endpoints of the contract. */
export type UoEndpoint = 'login' | 'identity' | 'authorized' | 'experiments'

/** One request as the fake received it. */
export type UoRequest = {
  method: string
  /** Raw (still URL-encoded) path. */
  path: string
  query: Record<string, string>
  /** Parsed JSON; the raw text when it is not JSON; null when empty. */
  body: unknown
  basicAuth: { username: string; password: string } | null
  endpoint: UoEndpoint | 'unknown'
  /** When it arrived (Date.now()). */
  at: number
  /** Refused with 429 by the rate limit. */
  rateLimited: boolean
}

/**
 * A rate budget like a real User Office's: at most `requests` in any
 * sliding window of `windowMs`; beyond it, 429 with Retry-After.
 */
export type UoRateLimit = { requests: number; windowMs: number }

/** Constructor options of {@link UserOfficeServer}. */
export type UserOfficeServerOptions = {
  /** Basic-auth user the portal must present (default 'portal-service'). */
  serviceUsername?: string
  /** Basic-auth password the portal must present (default 'uo-service-secret'). */
  servicePassword?: string
  /** Emit the real-world typo `sesion_number` instead of `session_number`. */
  misspellSessionNumber?: boolean
}

const ORDERING_FIELDS = ['proposal_id', 'subject', 'body', 'beam_line'] as const
type OrderingField = (typeof ORDERING_FIELDS)[number]

// Bodies are tiny in this contract; the cap only keeps a runaway test from eating memory.
const MAX_BODY_BYTES = 1024 * 1024

const WRONG_SHAPES: Record<UoEndpoint, unknown> = {
  login: { username: 42 },
  identity: { username: 42 },
  authorized: { result: 'yes' },
  experiments: { count: 'many', next: 1, previous: false, results: 'x' },
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string
  ) {
    super(detail)
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function parseBasicAuth(header: string | undefined) {
  const match = header?.match(/^Basic\s+(\S+)\s*$/i)
  if (!match) return null
  const decoded = Buffer.from(match[1], 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon === -1) return null
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
}

function classify(path: string): UoEndpoint | 'unknown' {
  // Trailing slashes are tolerated: Django deployments usually add them.
  if (/^\/login\/?$/.test(path)) return 'login'
  if (/^\/identity\/?$/.test(path)) return 'identity'
  if (/^\/authorized\/?$/.test(path)) return 'authorized'
  if (/^\/users\/[^/]+\/experiments\/?$/.test(path)) return 'experiments'
  return 'unknown'
}

/** A positive integer query parameter, its default when absent, or null when invalid. */
function positiveInt(raw: string | null, fallback: number) {
  if (raw === null) return fallback
  if (!/^\d+$/.test(raw)) return null
  const value = Number(raw)
  return value >= 1 && Number.isSafeInteger(value) ? value : null
}

function compareStrings(a: string, b: string) {
  // Code-unit order, not locale order, so results never depend on the machine.
  if (a < b) return -1
  return a > b ? 1 : 0
}

/**
 * Fake User Office on 127.0.0.1 (never another interface: tests talk to
 * loopback only). Fill it with `addAccount`/`setExperiments`/…, point the
 * portal at it with `portalEnv()`, and inspect `requests` afterwards.
 */
export class UserOfficeServer {
  /** Every answer (faults included) waits this long; `stop()` does not. */
  delayMs = 0
  /** Emit `sesion_number` instead of `session_number` in experiments. */
  misspellSessionNumber: boolean
  /** Everything received, in order. */
  readonly requests: UoRequest[] = []
  /** The rate budget it enforces (null: none). */
  rateLimit: UoRateLimit | null = null

  readonly #serviceUsername: string
  readonly #servicePassword: string
  #server: Server | null = null
  #port = 0
  readonly #sockets = new Set<Socket>()
  // Pending delays, so stop() can release them instead of waiting them out.
  readonly #timers = new Map<NodeJS.Timeout, () => void>()

  readonly #accounts = new Map<string, UoAccount>()
  readonly #identities = new Map<string, string>()
  readonly #authorized = new Map<string, boolean>()
  readonly #experiments = new Map<string, UoExperiment[]>()
  #globalFault: UoFault | null = null
  readonly #faults = new Map<UoEndpoint, UoFault>()

  constructor(options: UserOfficeServerOptions = {}) {
    this.#serviceUsername = options.serviceUsername ?? 'portal-service'
    this.#servicePassword = options.servicePassword ?? 'uo-service-secret'
    this.misspellSessionNumber = options.misspellSessionNumber ?? false
  }

  /** Listen on 127.0.0.1:port (0 = random). */
  async start(port = 0): Promise<void> {
    if (this.#server) throw new Error('UserOfficeServer already started')
    const server = createServer((req, res) => {
      this.#handle(req, res).catch(() => {
        // A bug here must surface as a 500 to the client, never as a crashed test run.
        if (!res.headersSent && !res.destroyed) {
          this.#json(res, 500, { detail: 'Fake User Office internal error.' })
        } else {
          res.destroy()
        }
      })
    })
    server.on('connection', (socket) => {
      this.#sockets.add(socket)
      socket.on('close', () => this.#sockets.delete(socket))
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject)
        resolve()
      })
    })
    this.#server = server
    this.#port = (server.address() as AddressInfo).port
  }

  /** Close the server and every open (even hanging) connection at once. */
  async stop(): Promise<void> {
    const server = this.#server
    if (!server) return
    this.#server = null
    for (const [timer, release] of this.#timers) {
      clearTimeout(timer)
      release()
    }
    this.#timers.clear()
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    for (const socket of this.#sockets) socket.destroy()
    this.#sockets.clear()
    await closed
  }

  /** `http://127.0.0.1:PORT` (only valid once started). */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`
  }

  /** The listening port (only valid once started). */
  get port(): number {
    if (!this.#port) throw new Error('UserOfficeServer is not started')
    return this.#port
  }

  /** Accept this login at `POST /login` (keyed by the typed username). */
  addAccount(account: UoAccount): void {
    this.#accounts.set(account.username, { ...account })
  }

  /** Map a federated EAA hash to a local login for `POST /identity`. */
  addIdentity(eaaHash: string, username: string): void {
    this.#identities.set(eaaHash, username)
  }

  /** Answer for `POST /authorized`; logins never set here get 404. */
  setAuthorized(login: string, result: boolean): void {
    this.#authorized.set(login, result)
  }

  /** Experiments of a canonical login; logins never set here get 404. */
  setExperiments(username: string, experiments: UoExperiment[]): void {
    this.#experiments.set(username, structuredClone(experiments))
  }

  /** Clear data, faults, the delay and the request log (keeps the server running). */
  reset(): void {
    this.#accounts.clear()
    this.#identities.clear()
    this.#authorized.clear()
    this.#experiments.clear()
    this.#globalFault = null
    this.#faults.clear()
    this.delayMs = 0
    this.rateLimit = null
    this.requests.length = 0
  }

  /** Fault for every endpoint, or per endpoint; null = behave. Per-endpoint wins. */
  setFault(fault: UoFault | null, endpoint?: UoEndpoint): void {
    if (!endpoint) {
      this.#globalFault = fault
      // "Every endpoint" means it: earlier per-endpoint faults must not mask it.
      this.#faults.clear()
    } else if (fault) {
      this.#faults.set(endpoint, fault)
    } else {
      this.#faults.delete(endpoint)
    }
  }

  /** How many requests reached this endpoint (faulted ones included). */
  requestsTo(endpoint: UoEndpoint): number {
    return this.requests.filter((request) => request.endpoint === endpoint).length
  }

  /** Environment variables pointing the portal at this server. */
  portalEnv(): Record<string, string> {
    const base = this.baseUrl
    return {
      USER_OFFICE_ENABLED: 'true',
      USER_OFFICE_LOGIN_URL: `${base}/login`,
      USER_OFFICE_IDENTITY_URL: `${base}/identity`,
      USER_OFFICE_AUTHORIZED_URL: `${base}/authorized`,
      USER_OFFICE_EXPERIMENTS_URL: `${base}/users/$USERNAME/experiments`,
      USER_OFFICE_SERVICE_USERNAME: this.#serviceUsername,
      USER_OFFICE_SERVICE_PASSWORD: this.#servicePassword,
    }
  }

  async #handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const method = req.method ?? 'GET'
    const endpoint = classify(url.pathname)
    const raw = await this.#readBody(req)
    if (raw === null) {
      this.#json(res, 413, { detail: 'Request body too large.' })
      return
    }
    const body = this.#parseBody(raw)
    const at = Date.now()
    const limit = this.rateLimit
    const rateLimited =
      limit !== null &&
      this.requests.filter((earlier) => !earlier.rateLimited && earlier.at > at - limit.windowMs)
        .length >= limit.requests
    this.requests.push({
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body: body.ok ? body.value : raw || null,
      basicAuth: parseBasicAuth(req.headers.authorization),
      endpoint,
      at,
      rateLimited,
    })
    if (rateLimited) {
      res.writeHead(429, {
        'content-type': 'application/json',
        'retry-after': String(Math.ceil(limit!.windowMs / 1000)),
      })
      res.end(JSON.stringify({ detail: 'Request was throttled.' }))
      return
    }

    if (this.delayMs > 0 && !(await this.#sleep(this.delayMs, res))) return
    if (res.destroyed) return

    if (endpoint === 'unknown') {
      this.#json(res, 404, { detail: 'Not found.' })
      return
    }
    const fault = this.#faults.get(endpoint) ?? this.#globalFault
    if (fault) {
      this.#fault(req, res, fault, endpoint)
      return
    }
    try {
      const expected = endpoint === 'experiments' ? 'GET' : 'POST'
      if (method !== expected) {
        res.setHeader('allow', expected)
        throw new HttpError(405, `Method "${method}" not allowed.`)
      }
      if (endpoint === 'authorized' || endpoint === 'experiments') this.#checkService(req)
      const payload = body.ok ? body.value : undefined
      const result =
        endpoint === 'login'
          ? this.#login(payload)
          : endpoint === 'identity'
            ? this.#identity(payload)
            : endpoint === 'authorized'
              ? this.#authorize(payload)
              : this.#listExperiments(url)
      this.#json(res, result.status, result.body)
    } catch (error) {
      if (!(error instanceof HttpError)) throw error
      this.#json(res, error.status, { detail: error.detail })
    }
  }

  #login(payload: unknown) {
    if (
      !isRecord(payload) ||
      typeof payload.username !== 'string' ||
      typeof payload.password !== 'string'
    ) {
      throw new HttpError(400, 'Expected {"username": string, "password": string}.')
    }
    const account = this.#accounts.get(payload.username)
    if (!account || account.password !== payload.password) {
      throw new HttpError(401, 'Invalid credentials.')
    }
    const body = account.omitUsernameInReply
      ? {}
      : { username: account.canonicalUsername ?? account.username }
    return { status: 200, body }
  }

  #identity(payload: unknown) {
    if (!isRecord(payload) || typeof payload.eaa_hash !== 'string') {
      throw new HttpError(400, 'Expected {"eaa_hash": string}.')
    }
    const username = this.#identities.get(payload.eaa_hash)
    if (username === undefined) throw new HttpError(404, 'No facility account.')
    return { status: 200, body: { username } }
  }

  #authorize(payload: unknown) {
    if (!isRecord(payload) || typeof payload.login !== 'string') {
      throw new HttpError(400, 'Expected {"login": string}.')
    }
    const result = this.#authorized.get(payload.login)
    if (result === undefined) throw new HttpError(404, 'Unknown user.')
    return { status: 200, body: { result } }
  }

  #listExperiments(url: URL) {
    const segment = url.pathname.split('/')[2]
    let username: string
    try {
      username = decodeURIComponent(segment)
    } catch {
      throw new HttpError(400, 'Malformed username.')
    }
    const all = this.#experiments.get(username)
    if (!all) throw new HttpError(404, 'Unknown user.')

    const params = url.searchParams
    const page = positiveInt(params.get('page'), 1)
    if (page === null) throw new HttpError(400, 'Invalid page.')
    const pageSize = positiveInt(params.get('page_size'), 10)
    if (pageSize === null) throw new HttpError(400, 'Invalid page_size.')

    const search = (params.get('search') ?? '').toLowerCase()
    let rows = search
      ? all.filter((e) => ORDERING_FIELDS.some((field) => e[field].toLowerCase().includes(search)))
      : [...all]

    const ordering = params.get('ordering')
    if (ordering) {
      const descending = ordering.startsWith('-')
      const field = (descending ? ordering.slice(1) : ordering) as OrderingField
      // Stricter than DRF (which ignores unknown fields) so portal bugs show up in tests.
      if (!ORDERING_FIELDS.includes(field)) throw new HttpError(400, 'Invalid ordering.')
      // Array#sort is stable, so ties keep the order the test supplied.
      rows = rows.sort((a, b) => (descending ? -1 : 1) * compareStrings(a[field], b[field]))
    }

    const count = rows.length
    const lastPage = Math.max(1, Math.ceil(count / pageSize))
    if (page > lastPage) throw new HttpError(404, 'Invalid page.')

    const link = (target: number) => {
      // Like DRF: keep every query parameter, swap the page, drop it for page 1.
      const next = new URL(`${this.baseUrl}${url.pathname}${url.search}`)
      if (target === 1) next.searchParams.delete('page')
      else next.searchParams.set('page', String(target))
      return next.toString()
    }
    const results = rows
      .slice((page - 1) * pageSize, page * pageSize)
      .map((experiment) => this.#serialise(experiment))
    return {
      status: 200,
      body: {
        count,
        next: page < lastPage ? link(page + 1) : null,
        previous: page > 1 ? link(page - 1) : null,
        results,
      },
    }
  }

  #serialise(experiment: UoExperiment) {
    if (!this.misspellSessionNumber) return experiment
    return {
      ...experiment,
      sessions: experiment.sessions.map(({ session_number: sessionNumber, ...rest }) => ({
        sesion_number: sessionNumber,
        ...rest,
      })),
    }
  }

  #checkService(req: IncomingMessage) {
    const auth = parseBasicAuth(req.headers.authorization)
    if (
      !auth ||
      auth.username !== this.#serviceUsername ||
      auth.password !== this.#servicePassword
    ) {
      throw new HttpError(403, 'Authentication credentials were not provided or are invalid.')
    }
  }

  #fault(req: IncomingMessage, res: ServerResponse, fault: UoFault, endpoint: UoEndpoint) {
    switch (fault.kind) {
      case 'reset':
        req.socket.destroy()
        return
      case 'status':
        res.writeHead(fault.status, {
          'content-type': 'text/plain; charset=utf-8',
          ...fault.headers,
        })
        res.end(fault.body ?? '')
        return
      case 'malformed':
        // Claims JSON on purpose: a client must not trust the content-type alone.
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end('<html>oops')
        return
      case 'wrongShape':
        this.#json(res, 200, WRONG_SHAPES[endpoint])
    }
  }

  #json(res: ServerResponse, status: number, body: unknown) {
    if (res.destroyed) return
    const text = JSON.stringify(body)
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
    })
    res.end(text)
  }

  /** The body as text, or null when it exceeds MAX_BODY_BYTES. */
  async #readBody(req: IncomingMessage): Promise<string | null> {
    const chunks: Buffer[] = []
    let size = 0
    try {
      for await (const chunk of req as AsyncIterable<Buffer>) {
        size += chunk.length
        if (size > MAX_BODY_BYTES) return null
        chunks.push(chunk)
      }
    } catch {
      // Client went away mid-body: treat what arrived as the body; the answer goes nowhere.
    }
    return Buffer.concat(chunks).toString('utf8')
  }

  #parseBody(raw: string): { ok: true; value: unknown } | { ok: false } {
    if (raw === '') return { ok: false }
    try {
      return { ok: true, value: JSON.parse(raw) }
    } catch {
      return { ok: false }
    }
  }

  /** Resolves true after `ms`, or false early when stopped or the client left. */
  #sleep(ms: number, res: ServerResponse): Promise<boolean> {
    return new Promise((resolve) => {
      const onClose = () => finish(false)
      const finish = (completed: boolean) => {
        clearTimeout(timer)
        this.#timers.delete(timer)
        res.off('close', onClose)
        resolve(completed)
      }
      const timer = setTimeout(() => finish(true), ms)
      this.#timers.set(timer, () => finish(false))
      res.on('close', onClose)
    })
  }
}

/**
 * Deterministic, realistic experiments: proposal ids `${prefix}0001`…,
 * each with `sessionsPer` sessions whose `data_set_path` is valid JSON.
 */
export function makeExperiments(
  count: number,
  options: { prefix?: string; sessionsPer?: number } = {}
): UoExperiment[] {
  const prefix = options.prefix ?? 'MX'
  const sessionsPer = options.sessionsPer ?? 2
  // Wide enough that string order equals numeric order, whatever the count.
  const width = Math.max(4, String(count).length)
  const topics = ['Protein crystallography', 'Powder diffraction', 'SAXS', 'Tomography', 'XAFS']
  const beamLines = ['ID11', 'ID23', 'BM29', 'ID19', 'BM23']
  const day = 24 * 60 * 60 * 1000
  const base = Date.UTC(2024, 0, 8, 8, 0, 0)
  const stamp = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')

  return Array.from({ length: count }, (_, index) => {
    const proposal = `${prefix}${String(index + 1).padStart(width, '0')}`
    const topic = topics[index % topics.length]
    const sessions = Array.from({ length: sessionsPer }, (__, s) => {
      const session = String(s + 1)
      const start = base + index * 7 * day + s * 3 * day
      return {
        session_number: session,
        start_date: stamp(start),
        end_date: stamp(start + 2 * day),
        subject: `${topic} run ${session}`,
        body: `Beamtime session ${session} of proposal ${proposal}.`,
        // The contract's shape: binds below the container roots of their modes.
        data_set_path: JSON.stringify({
          [`/srv/data/${proposal}/${session}`]: { bind: `/${proposal}/${session}`, mode: 'ro' },
          [`/srv/results/${proposal}/${session}`]: { bind: `/${proposal}/${session}`, mode: 'rw' },
        }),
      }
    })
    return {
      proposal_id: proposal,
      subject: `${topic} study ${index + 1}`,
      body: `Proposal ${proposal}: ${topic.toLowerCase()} measurements.`,
      beam_line: beamLines[index % beamLines.length],
      uid: String(20000 + index),
      gid: String(30000 + index),
      sessions,
    }
  })
}
