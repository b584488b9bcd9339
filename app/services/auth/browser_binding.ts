import type { HttpContext } from '@adonisjs/core/http'
import type { CookieOptions } from '@adonisjs/core/types/http'

/** Sign-ins one browser may have under way at once (several tabs); older ones drop out. */
export const MAX_PENDING_SIGN_INS = 5

export type BrowserBindingOptions<Entry> = {
  /** The cookie's name; `__Host-`, so that no sibling subdomain can plant its own value. */
  cookie: string
  /** Sealed with the app key: signed, or encrypted when an entry holds a secret. */
  seal: 'signed' | 'encrypted'
  /** `none` when the answer comes back cross-site by POST, `lax` for a top-level GET. */
  sameSite: 'none' | 'lax'
  /** How long a sign-in stays answerable (read when the cookie is written). */
  ttlMs: () => number
  /** The entries a verified cookie value holds; anything malformed counts as none. */
  parse: (value: unknown) => Entry[]
  /** Whether two entries are one sign-in. */
  same: (a: Entry, b: Entry) => boolean
}

/**
 * The cookie that binds a federated sign-in (SAML, OpenID Connect) to the
 * browser that started it (login CSRF: an answer someone captured from
 * their own sign-in must not sign another browser into their account).
 * It lists the sign-ins this browser has under way, for as long as one
 * stays answerable. Always Secure, as the `__Host-` prefix demands
 * (browsers take Secure cookies from loopback origins over http too).
 */
export default class BrowserBinding<Entry> {
  constructor(protected options: BrowserBindingOptions<Entry>) {}

  get cookieName() {
    return this.options.cookie
  }

  cookieOptions(): Partial<CookieOptions> {
    return {
      httpOnly: true,
      secure: true,
      sameSite: this.options.sameSite,
      path: '/',
      maxAge: Math.ceil(this.options.ttlMs() / 1000),
    }
  }

  /** The sign-ins this browser has under way. */
  pending({ request }: Pick<HttpContext, 'request'>): Entry[] {
    const value =
      this.options.seal === 'encrypted'
        ? request.encryptedCookie(this.options.cookie)
        : request.cookie(this.options.cookie)
    return this.options.parse(value).slice(-MAX_PENDING_SIGN_INS)
  }

  /** Adds the sign-in this browser starts now. */
  begin(ctx: Pick<HttpContext, 'response'>, pending: Entry[], entry: Entry) {
    this.#write(ctx, [...this.#without(pending, entry), entry])
  }

  /** Drops a sign-in that came back; the cookie goes with the last one. */
  end(ctx: Pick<HttpContext, 'response'>, pending: Entry[], entry: Entry) {
    this.#write(ctx, this.#without(pending, entry))
  }

  #without(pending: Entry[], entry: Entry) {
    return pending.filter((other) => !this.options.same(other, entry))
  }

  #write({ response }: Pick<HttpContext, 'response'>, entries: Entry[]) {
    const kept = entries.slice(-MAX_PENDING_SIGN_INS)
    const options = this.cookieOptions()
    if (kept.length === 0) {
      response.clearCookie(this.options.cookie, options)
    } else if (this.options.seal === 'encrypted') {
      response.encryptedCookie(this.options.cookie, kept, options)
    } else {
      response.cookie(this.options.cookie, kept, options)
    }
  }
}
