import vine from '@vinejs/vine'
import type { FieldContext } from '@vinejs/vine/types'
import portalConfig from '#config/portal'

/**
 * Characters a browser drops or reinterprets inside a URL: control
 * characters and spaces (tabs and newlines are removed, so "/\t/evil"
 * would become "//evil") and the backslash (read as "/").
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_CHARACTERS = /[\u0000-\u0020\u007f\\]/

/** "//host" and "/\host" leave the origin; so may their percent-encoded forms in a frontend router. */
const LEAVES_ORIGIN = /^\/[/\\]/

function decoded(path: string) {
  try {
    return decodeURIComponent(path)
  } catch {
    return null
  }
}

/** A path on the portal itself ("/app/x?y=1#z"), as an absolute URL, or null. */
function sameOriginPath(path: string) {
  const plain = decoded(path)
  if (
    plain === null ||
    UNSAFE_CHARACTERS.test(path) ||
    LEAVES_ORIGIN.test(path) ||
    LEAVES_ORIGIN.test(plain)
  ) {
    return null
  }
  const url = new URL(path, portalConfig.landingUrl)
  return url.origin === portalConfig.appOrigin ? url.href : null
}

/**
 * Where a sign-in may send the browser back to, as the absolute URL the
 * browser will be sent to, or null when following `value` would make the
 * portal an open redirector. Accepted:
 * - a path on the portal's own origin: one leading "/", not followed by
 *   "/" or "\" (also percent-encoded), without control characters,
 *   spaces or backslashes;
 * - an absolute http(s) URL without credentials on the portal's origin
 *   (APP_URL) or one of FRONTEND_ORIGINS.
 */
export function resolveReturnTo(value: string) {
  if (value.startsWith('/')) {
    return sameOriginPath(value)
  }
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return null
  }
  if (
    !['http:', 'https:'].includes(url.protocol) ||
    url.username !== '' ||
    url.password !== '' ||
    !portalConfig.returnOrigins.includes(url.origin)
  ) {
    return null
  }
  // The parsed form: the browser reads exactly what the portal checked.
  return url.href
}

/** Replaces a returnTo by the absolute URL it resolves to; a 422 naming the field otherwise. */
export const returnToRule = vine.createRule(
  (value: unknown, _options: undefined, field: FieldContext) => {
    if (typeof value !== 'string') {
      return
    }
    const resolved = resolveReturnTo(value)
    if (resolved === null) {
      field.report(
        'The {{ field }} field must be a path on this portal or a URL on a configured frontend origin',
        'returnTo',
        field
      )
      return
    }
    field.mutate(resolved, field)
  }
)
