/**
 * Link resources: catalogue entries that are only a URL (an e-logbook, a
 * data catalogue, a JupyterHub). An admin may let one carry the caller's
 * proposal id, as the `{proposal}` placeholder in its path or query.
 *
 * The rules make the origin of a link the admin's alone: the template is an
 * absolute http(s) URL whose authority is written out plainly (letters,
 * digits, dots, hyphens, an IPv6 literal, a port; no credentials, no
 * percent-escapes, no backslashes), the placeholder never sits before the
 * end of that authority, and the substituted value is percent-encoded, so
 * no proposal id can turn the URL into another host (no open redirect).
 * An internationalised host name is accepted and kept in its ASCII
 * (punycode) form, to which every rule then applies.
 */
import { domainToASCII } from 'node:url'

export const PROPOSAL_PLACEHOLDER = '{proposal}'

export const MAX_LINK_URL_LENGTH = 2048

// Plain DNS names or IPv4, or an IPv6 literal, then an optional port.
const AUTHORITY =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/
// RFC 3986's unreserved and reserved characters and "%": no space, backslash, quote, brace, "<", ">".
const URL_CHARACTERS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]*$/

/** The scheme and authority of a template as written: `https://host:port`. */
function splitAuthority(template: string) {
  const match = /^(https?):\/\/([^/?#]*)(.*)$/i.exec(template)
  return match ? { scheme: match[1], authority: match[2], rest: match[3] } : null
}

// A host with letters beyond ASCII, and no ASCII but what a plain host has
// (IDNA would drop or map a backslash, "%" or "@" silently), then a port.
const UNICODE_AUTHORITY =
  /^((?:[A-Za-z0-9.-]|[^\p{ASCII}])*[^\p{ASCII}](?:[A-Za-z0-9.-]|[^\p{ASCII}])*)(:[0-9]{1,5})?$/u

/**
 * The template with an internationalised host name written in its ASCII
 * (punycode) form, as browsers reach it (`https://bücher.example/` →
 * `https://xn--bcher-kva.example/`). Anything else comes back as written,
 * for linkTemplateProblem to judge: so does a host IDNA cannot convert.
 */
export function asciiLinkTemplate(template: string): string {
  const parts = splitAuthority(template)
  const unicode = parts ? UNICODE_AUTHORITY.exec(parts.authority) : null
  if (!parts || !unicode) {
    return template
  }
  const host = domainToASCII(unicode[1])
  return host === '' ? template : `${parts.scheme}://${host}${unicode[2] ?? ''}${parts.rest}`
}

/**
 * Why `template` cannot be a link's URL, or null when it can. With
 * `allowProposal`, `{proposal}` must appear (in the path or query, never
 * in the fragment); without, it must not appear at all. Judges the
 * template as stored: an internationalised host passes once
 * asciiLinkTemplate has written it in ASCII.
 */
export function linkTemplateProblem(template: string, allowProposal: boolean): string | null {
  if (template.length > MAX_LINK_URL_LENGTH) {
    return `must be at most ${MAX_LINK_URL_LENGTH} characters`
  }
  const parts = splitAuthority(template)
  if (!parts) {
    return 'must be an absolute URL starting with http:// or https://'
  }
  if (parts.authority.includes('@')) {
    return 'must not carry a user name or password'
  }
  if (!AUTHORITY.test(parts.authority)) {
    return 'must name its host plainly (a domain name, internationalised or in letters, digits, dots and hyphens, or an [IPv6] address, then an optional :port); placeholders, escapes and backslashes are refused there'
  }
  const withoutPlaceholder = parts.rest.split(PROPOSAL_PLACEHOLDER).join('')
  if (!URL_CHARACTERS.test(withoutPlaceholder)) {
    return 'may hold only the characters of RFC 3986 (no spaces, backslashes, quotes, angle brackets or braces other than {proposal})'
  }
  if (/%(?![0-9A-Fa-f]{2})/.test(withoutPlaceholder)) {
    return 'has a "%" that does not start an escape'
  }
  const placeholders = parts.rest.split(PROPOSAL_PLACEHOLDER).length - 1
  if (!allowProposal && placeholders > 0) {
    return 'may contain {proposal} only when proposalTemplate is true'
  }
  if (allowProposal && placeholders === 0) {
    return 'must contain {proposal} (in the path or query) when proposalTemplate is true'
  }
  const fragment = parts.rest.indexOf('#')
  if (fragment !== -1 && parts.rest.indexOf(PROPOSAL_PLACEHOLDER, fragment) !== -1) {
    return 'may contain {proposal} only in the path or query, not after "#"'
  }
  let parsed: URL
  try {
    parsed = new URL(template.split(PROPOSAL_PLACEHOLDER).join('proposal'))
  } catch {
    return 'must be a valid URL'
  }
  if (parsed.username || parsed.password) {
    return 'must not carry a user name or password'
  }
  if (parsed.port !== '' && Number(parsed.port) === 0) {
    return 'must not name port 0'
  }
  return null
}

/** The origin (`https://host[:port]`) every URL made from a valid template has. */
export function linkOrigin(template: string) {
  return new URL(template.split(PROPOSAL_PLACEHOLDER).join('proposal')).origin
}

/**
 * A proposal id as it may stand in a URL: every character but
 * RFC 3986's unreserved ones percent-encoded. A dot segment ("." or "..",
 * which URL parsers resolve even when escaped) cannot stand in a path.
 */
export function encodedProposal(proposalId: string): string | null {
  if (proposalId === '' || /^\.{1,2}$/.test(proposalId)) {
    return null
  }
  return encodeURIComponent(proposalId).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`
  )
}

/**
 * The URL a valid template yields for `proposalId` (null for templates
 * without the placeholder). Throws when the result would leave the
 * template's origin, which the rules above make impossible: a second
 * lock on the same door.
 */
export function expandLinkTemplate(template: string, proposalId: string | null): string {
  const origin = linkOrigin(template)
  let expanded = template
  if (template.includes(PROPOSAL_PLACEHOLDER)) {
    const encoded = proposalId === null ? null : encodedProposal(proposalId)
    if (encoded === null) {
      throw new Error('This proposal id cannot stand in a URL')
    }
    expanded = template.split(PROPOSAL_PLACEHOLDER).join(encoded)
  }
  const url = new URL(expanded)
  if (url.origin !== origin || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new Error('A link URL left the origin of its template')
  }
  return url.href
}
