import type { HttpContext } from '@adonisjs/core/http'
import { touchIsDue } from '#models/seldom_touched_sessions'

/** Shield's double-submit cookie (config/shield.ts, `enableXsrfCookie`). */
const XSRF_COOKIE = 'XSRF-TOKEN'

type EncryptedCookie = HttpContext['response']['encryptedCookie']

/**
 * A signed-in browser's request sends its cookies back only when they
 * change or are due to slide, instead of on every response. The session
 * package sets the signed session cookie again at every commit (to move
 * its expiry in the browser), and Shield a new encrypted XSRF-TOKEN on
 * every request: two `Set-Cookie` headers, an HMAC and an AES encryption
 * per read, 0.3 ms of the console's 0.64 ms per request (docs/benchmarks.md,
 * stop 31). Here, for the request whose session this is called with:
 *
 * - The session's commit runs as the package's when the session changed
 *   (data, flash messages, a new or regenerated id, emptied) or its expiry
 *   is due to move (`touchIsDue`: at most once a minute per process, as
 *   its stored expiry moves); that commit writes or touches the store and
 *   sets the session cookie. Otherwise it stores and sends nothing: the
 *   browser's cookie and the stored expiry both slide at the next due one.
 * - Shield's XSRF-TOKEN cookie is deferred to the commit and set when the
 *   session cookie is set, or when the request carried none. Its token is
 *   for the session's CSRF secret, which changes only with the session's
 *   data, so a cookie the browser already holds stays valid until then;
 *   Shield still checks every unsafe request as before. When Shield
 *   refuses the request (the commit does not run), the cookie is set as
 *   Shield did.
 *
 * `inner` is Shield and the rest of the request. The routes that start
 * sessions or issue the XSRF cookie keep the package's behaviour
 * (browser_session_middleware.ts). ADR 13 holds the trade-off.
 */
export async function sendingSessionCookiesWhenChanged(
  ctx: HttpContext,
  inner: () => Promise<unknown>
) {
  const { session, request, response } = ctx
  const carriedXsrf = request.cookiesList()[XSRF_COOKIE] !== undefined

  const encryptedCookie: EncryptedCookie = response.encryptedCookie.bind(response)
  let xsrf: Parameters<EncryptedCookie> | undefined
  response.encryptedCookie = (key, value, options) => {
    if (key !== XSRF_COOKIE) {
      return encryptedCookie(key, value, options)
    }
    xsrf = [key, value, options]
    return response
  }

  const commit = session.commit.bind(session)
  session.commit = async () => {
    const unchanged =
      !session.fresh &&
      !session.hasRegeneratedSession &&
      !session.hasBeenModified &&
      session.responseFlashMessages.isEmpty &&
      !session.isEmpty
    if (unchanged && !touchIsDue(session.sessionId, session.config.age)) {
      if (xsrf && !carriedXsrf) {
        encryptedCookie(...xsrf)
      }
      return
    }
    if (xsrf) {
      encryptedCookie(...xsrf)
    }
    await commit()
  }

  try {
    return await inner()
  } catch (error) {
    if (xsrf) {
      encryptedCookie(...xsrf)
    }
    throw error
  }
}
