import portalConfig from '#config/portal'
import type { ApiError } from '#exceptions/api_error'

/**
 * Routes a person reaches by browser navigation (the SAML and OpenID
 * Connect round trips):
 * their errors are a page to read, not JSON for the SPA.
 */
export const BROWSER_ROUTES = new Set([
  '/api/v1/auth/saml/login',
  '/api/v1/auth/saml/acs',
  '/api/v1/auth/saml/slo',
  '/api/v1/auth/oidc/login',
  '/api/v1/auth/oidc/callback',
])

export function escapeHtml(text: string) {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)
}

/** A minimal, self-contained error page that says what happened and how to go on. */
export function errorPage(status: number, errors: ApiError[]) {
  const items = errors
    .map(
      (error) =>
        `<li><strong>${escapeHtml(error.message)}</strong> <code>${escapeHtml(error.code)}</code></li>`
    )
    .join('')
  const home = escapeHtml(portalConfig.landingUrl)
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign-in problem (${status})</title></head>
<body>
  <h1>Sign-in problem</h1>
  <ul>${items}</ul>
  <p><a href="${home}">Back to the portal</a></p>
</body>
</html>`
}
