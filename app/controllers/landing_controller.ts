import type { HttpContext } from '@adonisjs/core/http'
import samlConfig from '#config/saml'
import type User from '#models/user'
import { escapeHtml } from '#exceptions/error_page'

/** Who is signed in, or how to sign in; links to the API reference. No script, no inline style. */
function landingPage(user: User | null) {
  const who = user
    ? `<p>Signed in as <strong>${escapeHtml(user.displayName ?? user.username)}</strong>
    (<code>${escapeHtml(user.username)}</code>, ${escapeHtml(user.provider)} account).</p>
  <ul>
    <li><a href="/api/v1/me">Your account</a> (JSON)</li>
    <li><a href="/api/v1/experiments">Your experiments</a> (JSON)</li>
    <li>Sign out with <code>POST /api/v1/auth/logout</code> (the web console does this for you).</li>
  </ul>`
    : `<p>You are not signed in.</p>
  <ul>${
    samlConfig.enabled
      ? `\n    <li><a href="/api/v1/auth/saml/login">${escapeHtml(samlConfig.label)}</a></li>`
      : ''
  }
    <li>Password sign-in: <code>POST /api/v1/auth/login</code> (used by the web console and scripts).</li>
  </ul>`
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Facility Portal</title></head>
<body>
  <h1>Facility Portal</h1>
  ${who}
  <p><a href="/api/docs">API reference</a></p>
</body>
</html>`
}

/**
 * The portal's own page at `/`, where sign-in without returnTo and every
 * logout land the browser, so they never end on a 404. The single-page
 * web console takes this place once it is served here.
 */
export default class LandingController {
  async show(ctx: HttpContext) {
    const guard = ctx.auth.use(ctx.request.header('authorization') ? 'api' : 'web')
    const user = (await guard.check()) && !guard.user!.disabled ? guard.user! : null
    ctx.response.header('Content-Type', 'text/html; charset=utf-8')
    return ctx.response.send(landingPage(user))
  }
}
