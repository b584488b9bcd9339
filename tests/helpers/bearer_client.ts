import { HttpBrowser } from '#tests/helpers/portal_process'

/** One answer, with how long it took; status 0 when no answer came within the timeout. */
export type TimedAnswer = {
  method: string
  path: string
  status: number
  body: any
  elapsedMs: number
  startedAt: number
}

/**
 * A script's view of a portal process: every request carries a Bearer
 * token and is timed; a request that gets no answer within `timeoutMs`
 * resolves with status 0 instead of throwing, so load loops can count
 * hangs.
 */
export class BearerClient {
  constructor(
    readonly baseUrl: string,
    readonly token: string,
    readonly timeoutMs = 15_000
  ) {}

  /** Signs in with a password (cookie session) and issues `count` API tokens. */
  static async issue(baseUrl: string, username: string, password: string, count = 1) {
    const browser = new HttpBrowser(baseUrl, 30_000)
    const login = await browser.login(username, password)
    if (login.status !== 200) {
      throw new Error(
        `sign-in of ${username} answered ${login.status}: ${JSON.stringify(login.body)}`
      )
    }
    const clients: BearerClient[] = []
    // An admin's scripts act as the admin only with the admin scope.
    const admin = (login.body.data.roles as string[]).includes('admin')
    for (let index = 0; index < count; index++) {
      const created = await browser.request('POST', '/api/v1/auth/tokens', {
        name: `fault-client-${index}`,
        expiresInDays: 1,
        ...(admin ? { admin: true } : {}),
      })
      if (created.status !== 201) {
        throw new Error(
          `token creation answered ${created.status}: ${JSON.stringify(created.body)}`
        )
      }
      clients.push(new BearerClient(baseUrl, created.body.data.token))
    }
    return clients
  }

  async request(method: string, path: string, body?: unknown): Promise<TimedAnswer> {
    const startedAt = Date.now()
    try {
      const response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          authorization: `Bearer ${this.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      })
      const text = await response.text()
      const isJson = response.headers.get('content-type')?.includes('application/json')
      return {
        method,
        path,
        status: response.status,
        body: isJson && text ? JSON.parse(text) : text,
        elapsedMs: Date.now() - startedAt,
        startedAt,
      }
    } catch (error) {
      const elapsedMs = Date.now() - startedAt
      return { method, path, status: 0, body: String(error), elapsedMs, startedAt }
    }
  }

  get(path: string) {
    return this.request('GET', path)
  }

  post(path: string, body: unknown = {}) {
    return this.request('POST', path, body)
  }

  delete(path: string) {
    return this.request('DELETE', path)
  }

  /**
   * Polls GET `path` until `done(body)` holds; resolves the last body and
   * whether it did within `timeoutMs`.
   */
  async waitFor(path: string, done: (body: any) => boolean, timeoutMs: number) {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const answer = await this.get(path)
      if (answer.status === 200 && done(answer.body)) {
        return { body: answer.body, met: true }
      }
      if (Date.now() > deadline) {
        return { body: answer.body, met: false }
      }
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }
}
