import type { ApiClient, ApiRequest, ApiResponse } from '@japa/api-client'
import { contractProblems, requestProblems } from '#tests/helpers/openapi_contract'

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

/**
 * A client of the API as the single-page frontend (cookie session with
 * CSRF) or a script (bearer token) uses it, over real HTTP.
 *
 * It keeps the cookies the server sets, echoes XSRF-TOKEN as X-XSRF-TOKEN
 * like the SPA does, and checks every response, and every request body
 * the server accepts, against the OpenAPI document (a mismatch fails the
 * request).
 */
export class ApiSession {
  cookies = new Map<string, string>()
  bearer: string | null = null
  sendCsrfHeader = true
  /** Headers sent with every request (e.g. X-Forwarded-For from a trusted proxy). */
  headers = new Map<string, string>()

  constructor(protected client: ApiClient) {}

  static withToken(client: ApiClient, token: string) {
    const session = new ApiSession(client)
    session.bearer = token
    return session
  }

  get(url: string) {
    return this.send('GET', url)
  }

  post(url: string, body?: unknown) {
    return this.send('POST', url, body)
  }

  put(url: string, body?: unknown) {
    return this.send('PUT', url, body)
  }

  patch(url: string, body?: unknown) {
    return this.send('PATCH', url, body)
  }

  delete(url: string) {
    return this.send('DELETE', url)
  }

  /** Fetches the XSRF cookie, then signs in; returns the login response. */
  async login(username: string, password: string) {
    await this.get('/api/v1/auth/csrf')
    return this.post('/api/v1/auth/login', { username, password })
  }

  /** A raw request with this session's cookies and headers; not contract-checked. */
  request(method: Method, url: string): ApiRequest {
    // Redirects are asserted, not followed (the SAML round trip inspects each hop).
    let request = this.client.request(url, method).redirects(0)
    for (const [name, value] of this.headers) {
      request = request.header(name, value)
    }
    if (this.cookies.size > 0) {
      request = request.header(
        'Cookie',
        [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
      )
    }
    const xsrf = this.cookies.get('XSRF-TOKEN')
    if (xsrf && this.sendCsrfHeader && method !== 'GET') {
      request = request.header('X-XSRF-TOKEN', decodeURIComponent(xsrf))
    }
    if (this.bearer) {
      request = request.header('Authorization', `Bearer ${this.bearer}`)
    }
    return request
  }

  /** Keeps the cookies a response sets (and forgets cleared ones). */
  absorbCookies(response: ApiResponse) {
    const setCookie = response.headers()['set-cookie'] as string[] | string | undefined
    for (const line of [setCookie ?? []].flat()) {
      const [pair, ...attributes] = line.split(';')
      const [name, ...rest] = pair.split('=')
      const expired = attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute))
      if (expired || rest.join('=') === '') {
        this.cookies.delete(name.trim())
      } else {
        this.cookies.set(name.trim(), rest.join('='))
      }
    }
  }

  /** A form POST, as a browser submits the IdP's auto-post page. */
  async postForm(url: string, fields: Record<string, string>) {
    const response = await this.request('POST', url).form(fields)
    this.absorbCookies(response)
    return response
  }

  async send(method: Method, url: string, body?: unknown): Promise<ApiResponse> {
    let request = this.request(method, url)
    if (body !== undefined) {
      request = request.json(body as object)
    }
    const response = await request
    this.absorbCookies(response)
    assertDocumented(method, url, response, body)
    return response
  }
}

/**
 * Fails when a response differs from what the OpenAPI document promises,
 * or the server accepted a request body the document does not allow.
 */
export function assertDocumented(
  method: string,
  url: string,
  response: ApiResponse,
  body?: unknown
) {
  const path = url.split('?')[0]
  const problems = [
    ...requestProblems(method, path, response.status(), body),
    ...contractProblems(
      method,
      path,
      response.status(),
      response.headers()['content-type'],
      response.body()
    ),
  ]
  if (problems.length > 0) {
    throw new Error(`Request or response breaks the OpenAPI contract:\n${problems.join('\n')}`)
  }
}
