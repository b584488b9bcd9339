import { parseAutoPostForm } from '#tests/helpers/saml_idp'

type SameSite = 'strict' | 'lax' | 'none'
type Cookie = { value: string; sameSite: SameSite }

/** One answer the browser received. */
export type Page = {
  method: string
  url: string
  status: number
  location: string | null
  contentType: string
  text: string
}

type RequestInit = {
  method?: string
  form?: Record<string, string>
  /** The page that made the request (its origin decides same-site or cross-site). */
  from?: string
  headers?: Record<string, string>
}

const REDIRECTS = new Set([301, 302, 303, 307, 308])

/**
 * A browser for SAML round trips between the portal and an IdP, all on
 * 127.0.0.1: one cookie jar for the host (browsers do not separate cookies
 * by port), redirects followed as top-level navigations, forms submitted
 * as the page's auto-submit script (or the person) would.
 *
 * Each origin counts as a site of its own, as the portal and the IdP are
 * in production: a cross-site POST does not carry a SameSite=Lax (or
 * unmarked, which browsers treat as Lax) cookie, a cross-site navigation
 * does not carry a Strict one.
 */
export class LoopbackBrowser {
  /** Every answer, in order, for a failing test's message. */
  readonly history: Page[] = []
  #cookies = new Map<string, Cookie>()

  constructor(readonly timeoutMs = 10_000) {}

  cookie(name: string) {
    return this.#cookies.get(name)?.value
  }

  /** One request, no redirect followed. */
  async request(url: string, init: RequestInit = {}): Promise<Page> {
    const method = init.method ?? 'GET'
    const crossSite = init.from !== undefined && new URL(init.from).origin !== new URL(url).origin
    const cookies = [...this.#cookies]
      .filter(([, cookie]) => {
        if (!crossSite) return true
        if (cookie.sameSite === 'strict') return false
        return cookie.sameSite === 'none' || method === 'GET'
      })
      .map(([name, cookie]) => `${name}=${cookie.value}`)
    const headers: Record<string, string> = { ...init.headers }
    if (cookies.length > 0) headers.cookie = cookies.join('; ')
    if (init.from) headers.referer = init.from

    const response = await fetch(url, {
      method,
      headers,
      body: init.form ? new URLSearchParams(init.form) : undefined,
      redirect: 'manual',
      signal: AbortSignal.timeout(this.timeoutMs),
    })
    for (const line of response.headers.getSetCookie()) {
      this.#store(line)
    }
    const location = response.headers.get('location')
    const page: Page = {
      method,
      url,
      status: response.status,
      location: location === null ? null : new URL(location, url).href,
      contentType: response.headers.get('content-type') ?? '',
      text: await response.text(),
    }
    this.history.push(page)
    return page
  }

  /** Follows redirects from `page` the way a browser does (GET after 301/302/303). */
  async follow(page: Page, maxHops = 15): Promise<Page> {
    let current = page
    for (let hop = 0; REDIRECTS.has(current.status); hop++) {
      if (hop === maxHops) {
        throw new Error(`more than ${maxHops} redirects:\n${this.trail()}`)
      }
      current = await this.request(current.location!, { from: current.url })
    }
    return current
  }

  /** Navigates to `url` (typed, or a link on page `from`) and follows redirects. */
  async navigate(url: string, from?: string) {
    return this.follow(await this.request(url, { from }))
  }

  /**
   * Submits the first form of `page` with its hidden fields plus `fields`
   * (what the person types), then follows redirects.
   */
  async submit(page: Page, fields: Record<string, string> = {}) {
    const form = parseAutoPostForm(page.text)
    const action = new URL(form.action, page.url).href
    return this.follow(
      await this.request(action, {
        method: 'POST',
        form: { ...form.fields, ...fields },
        from: page.url,
      })
    )
  }

  /** A same-origin script call as the single-page frontend makes it (XSRF header, JSON). */
  async xhr(method: string, url: string) {
    const xsrf = this.cookie('XSRF-TOKEN')
    const page = await this.request(url, {
      method,
      from: new URL(url).origin + '/',
      headers: {
        accept: 'application/json',
        ...(xsrf ? { 'x-xsrf-token': decodeURIComponent(xsrf) } : {}),
      },
    })
    return { status: page.status, body: page.text ? JSON.parse(page.text) : null }
  }

  /** The requests so far, one per line. */
  trail() {
    return this.history
      .map((page) => `${page.method} ${page.url.slice(0, 120)} → ${page.status}`)
      .join('\n')
  }

  #store(line: string) {
    const [pair, ...attributes] = line.split(';').map((part) => part.trim())
    const separator = pair.indexOf('=')
    const name = pair.slice(0, separator)
    const value = pair.slice(separator + 1)
    let sameSite: SameSite = 'lax'
    let expired = false
    for (const attribute of attributes) {
      const [key, attributeValue = ''] = attribute.split('=')
      const lower = key.toLowerCase()
      if (lower === 'samesite') {
        sameSite = attributeValue.toLowerCase() as SameSite
      } else if (lower === 'max-age') {
        expired ||= Number(attributeValue) <= 0
      } else if (lower === 'expires') {
        expired ||= Date.parse(attributeValue) < Date.now()
      }
    }
    if (expired) {
      this.#cookies.delete(name)
    } else {
      this.#cookies.set(name, { value, sameSite })
    }
  }
}
