import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import app from '@adonisjs/core/services/app'
import { configProvider } from '@adonisjs/core'
import { RuntimeException } from '@adonisjs/core/exceptions'
import type { EmitterService } from '@adonisjs/core/types'
import SessionMiddleware from '@adonisjs/session/session_middleware'
import ShieldMiddleware from '@adonisjs/shield/shield_middleware'
import { sendingSessionCookiesWhenChanged } from '#middleware/seldom_sent_session_cookies'
import { contentSecurityPolicy } from '#config/shield'
import { listenedEvents } from '#models/listened_events'

/**
 * Routes whose whole point is a browser session (signing in, the SAML
 * round trip): they get one even when a bearer token is sent along, which
 * they have no use for, instead of failing without a session.
 */
const SESSION_ROUTES = new Set([
  '/api/v1/auth/login',
  '/api/v1/auth/saml/acs',
  '/api/v1/auth/saml/slo',
])

/**
 * Routes that may start a session for a browser that has none: the XSRF
 * cookie for the sign-in form, and the sign-ins themselves.
 */
/** The session cookie's name (config/session.ts). */
const SESSION_COOKIE = 'portal-session'

const STARTS_SESSION = new Set([
  ...SESSION_ROUTES,
  '/api/v1/auth/csrf',
  '/api/v1/auth/saml/login',
  '/api/v1/auth/oidc/login',
  '/api/v1/auth/oidc/callback',
])

type SessionMiddlewareConfig = ConstructorParameters<typeof SessionMiddleware>[0]

/**
 * The session package's middleware as its provider makes it, but with an
 * emitter that skips "session:initiated" while nobody listens for it
 * (listened_events.ts): announced on every browser request, it cost about
 * 8 µs of `GET /me` with a session cookie (docs/benchmarks.md, stop 34).
 */
async function sessionMiddleware() {
  const config = await configProvider.resolve<SessionMiddlewareConfig>(
    app,
    app.config.get('session')
  )
  if (!config) {
    throw new RuntimeException('Invalid "config/session.ts": use defineConfig')
  }
  // The session calls nothing of its emitter but `emit`.
  const emitter = (await listenedEvents(app)) as unknown as EmitterService
  return new SessionMiddleware(config, emitter)
}

/**
 * Cookie session plus Shield (CSRF, security headers) for browser traffic.
 *
 * Requests with a bearer token skip the session: scripts must not leave a
 * session row behind per call, and a browser cannot forge such a request,
 * so it needs no CSRF token either.
 *
 * Sessions are created lazily: a request without a session cookie gets
 * one (a row and a cookie) only on the routes that start sessions. Any
 * other such request is anonymous by definition and runs with an empty
 * session that is never stored, so probes, crawlers and 401s leave no row
 * and no cookie behind.
 *
 * A browser's session cookie and XSRF cookie are sent back only when they
 * change or are due to slide (seldom_sent_session_cookies.ts), except on
 * the routes that start sessions, which answer as the packages do.
 *
 * The session and Shield middleware keep nothing per request: made once
 * (Shield's from the application's container, which binds it anew per
 * resolve and so rebuilt its guards and CSP header on every request; the
 * session's by sessionMiddleware above).
 */
export default class BrowserSessionMiddleware {
  #session?: SessionMiddleware<any>
  #shield?: ShieldMiddleware

  async handle(ctx: HttpContext, next: NextFn) {
    const pattern = ctx.route?.pattern ?? ''
    const bearer = /^Bearer\s/i.test(ctx.request.header('authorization') ?? '')
    if (bearer && !SESSION_ROUTES.has(pattern)) {
      return next()
    }
    const session = (this.#session ??= await sessionMiddleware())
    const shield = (this.#shield ??= await app.container.make(ShieldMiddleware))
    const hasSession = ctx.request.cookie(SESSION_COOKIE) !== undefined
    // Shield's other headers come from its guards (config/shield.ts).
    ctx.response.header('Content-Security-Policy', contentSecurityPolicy)
    if (STARTS_SESSION.has(pattern)) {
      return session.handle(ctx, () => shield.handle(ctx, next))
    }
    if (hasSession) {
      return session.handle(ctx, () =>
        sendingSessionCookiesWhenChanged(ctx, () => shield.handle(ctx, next))
      )
    }
    return session.handle(ctx, async () => {
      // An anonymous request: the guards read the empty session, Shield adds
      // its headers and refuses unsafe methods (no session, no CSRF secret),
      // and nothing is stored or sent back as a cookie.
      ctx.session.commit = async () => {}
      try {
        return await shield.handle(ctx, next)
      } finally {
        ctx.response.removeHeader('set-cookie')
      }
    })
  }
}
