import { inflateRawSync } from 'node:zlib'
import { DOMParser, type Element } from '@xmldom/xmldom'
import { WEAK_ALGORITHMS } from '#services/auth/saml/saml_response_guard'
import SamlResponseRejectedException from '#exceptions/saml_response_rejected_exception'

const PROTOCOL_NS = 'urn:oasis:names:tc:SAML:2.0:protocol'
const ASSERTION_NS = 'urn:oasis:names:tc:SAML:2.0:assertion'
const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#'
const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success'

/** Upper bound of an inflated redirect-binding message (a deflate bomb stops here). */
const MAX_INFLATED_BYTES = 64 * 1024

/** The two SAML bindings the SLO endpoint speaks. */
export type SamlBinding = 'redirect' | 'post'

/** SAML parameters as the binding delivered them: the query (redirect) or the form (POST). */
export type LogoutMessageFields = {
  SAMLRequest?: string
  SAMLResponse?: string
  RelayState?: string
  SigAlg?: string
  Signature?: string
}

/** What the portal expects of every logout message it accepts. */
export type LogoutMessageExpectations = {
  /** This portal's SLO URL: the message's Destination. */
  sloUrl: string
  /** The IdP's entity id: the message's Issuer. */
  idpEntityId: string
  /** How old a LogoutRequest may be (its IssueInstant), and the tolerated clock skew. */
  maxAgeMs: number
  clockSkewMs: number
}

/** A logout message that passed the structural checks (its signature is node-saml's to check). */
export type LogoutMessage =
  | { kind: 'request'; binding: SamlBinding; fields: LogoutMessageFields; id: string }
  | {
      kind: 'response'
      binding: SamlBinding
      fields: LogoutMessageFields
      id: string
      inResponseTo: string
    }

const FIELD_NAMES = ['SAMLRequest', 'SAMLResponse', 'RelayState', 'SigAlg', 'Signature'] as const

function reject(reason: string): never {
  throw new SamlResponseRejectedException(reason)
}

/** The SAML parameters, each a single string (a repeated parameter is refused). */
function fieldsOf(input: Record<string, unknown>): LogoutMessageFields {
  const fields: LogoutMessageFields = {}
  for (const name of FIELD_NAMES) {
    const value = input[name]
    if (value === undefined || value === null) {
      continue
    }
    if (typeof value !== 'string') {
      reject(`${name} is not a single value`)
    }
    fields[name] = value
  }
  return fields
}

function decode(binding: SamlBinding, encoded: string) {
  const bytes = Buffer.from(encoded, 'base64')
  if (binding === 'post') {
    return bytes.toString('utf8')
  }
  try {
    return inflateRawSync(bytes, { maxOutputLength: MAX_INFLATED_BYTES }).toString('utf8')
  } catch {
    return reject('not a deflated message')
  }
}

function parse(xml: string) {
  if (/<!DOCTYPE/i.test(xml)) {
    reject('DOCTYPE not allowed')
  }
  try {
    const root = new DOMParser({
      onError: (level, message) => {
        if (level !== 'warning') {
          throw new Error(message)
        }
      },
    }).parseFromString(xml, 'text/xml').documentElement
    if (root) {
      return root
    }
  } catch {
    // reported below
  }
  return reject('not well-formed XML')
}

function children(parent: Element, namespace: string, localName: string) {
  return Array.from(parent.childNodes).filter(
    (node): node is Element =>
      node.nodeType === 1 &&
      (node as Element).namespaceURI === namespace &&
      (node as Element).localName === localName
  )
}

/** Signed as its binding requires, and not with SHA-1. */
function checkSignature(binding: SamlBinding, fields: LogoutMessageFields, root: Element) {
  if (binding === 'redirect') {
    if (!fields.Signature || !fields.SigAlg) {
      reject('unsigned logout message')
    }
    if (WEAK_ALGORITHMS.test(fields.SigAlg)) {
      reject('SHA-1 signed logout message')
    }
    return
  }
  if (children(root, DSIG_NS, 'Signature').length !== 1) {
    reject('unsigned logout message')
  }
  for (const name of ['SignatureMethod', 'DigestMethod']) {
    for (const method of Array.from(root.getElementsByTagNameNS(DSIG_NS, name))) {
      if (WEAK_ALGORITHMS.test(method.getAttribute('Algorithm') ?? '')) {
        reject(`SHA-1 signed logout message (${name})`)
      }
    }
  }
}

function checkIssueInstant(root: Element, expected: LogoutMessageExpectations) {
  const issuedAt = Date.parse(root.getAttribute('IssueInstant') ?? '')
  const now = Date.now()
  if (
    Number.isNaN(issuedAt) ||
    issuedAt > now + expected.clockSkewMs ||
    issuedAt < now - expected.maxAgeMs - expected.clockSkewMs
  ) {
    reject('LogoutRequest IssueInstant missing or outside the accepted window')
  }
}

/**
 * Reads a LogoutRequest or LogoutResponse the IdP sent over the
 * HTTP-Redirect or HTTP-POST binding and runs the checks node-saml leaves
 * to its caller, before the signature is verified:
 * - exactly one of SAMLRequest / SAMLResponse, matching the message inside;
 * - signed as the binding requires (query signature, or one enveloped
 *   XML signature on the root), never with SHA-1;
 * - no DOCTYPE, well-formed, bounded when inflated;
 * - Destination is this portal's SLO URL, Issuer the configured IdP;
 * - a LogoutRequest has an ID and a recent IssueInstant (so that
 *   remembering IDs for that long refuses every replay);
 * - a LogoutResponse answers a request (InResponseTo) with Success.
 */
export function readLogoutMessage(
  binding: SamlBinding,
  input: Record<string, unknown>,
  expected: LogoutMessageExpectations
): LogoutMessage {
  const fields = fieldsOf(input)
  if (Boolean(fields.SAMLRequest) === Boolean(fields.SAMLResponse)) {
    reject('expected exactly one of SAMLRequest and SAMLResponse')
  }
  const kind = fields.SAMLRequest ? 'request' : 'response'
  const root = parse(decode(binding, (fields.SAMLRequest ?? fields.SAMLResponse)!))

  const expectedName = kind === 'request' ? 'LogoutRequest' : 'LogoutResponse'
  if (root.localName !== expectedName || root.namespaceURI !== PROTOCOL_NS) {
    reject(`not a ${expectedName}`)
  }
  checkSignature(binding, fields, root)

  if (root.getAttribute('Destination') !== expected.sloUrl) {
    reject('Destination is not this portal')
  }
  const issuer = children(root, ASSERTION_NS, 'Issuer')[0]?.textContent?.trim()
  if (issuer !== expected.idpEntityId) {
    reject('Issuer is not the configured IdP')
  }
  const id = root.getAttribute('ID')
  if (!id) {
    reject(`${expectedName} without ID`)
  }

  if (kind === 'request') {
    checkIssueInstant(root, expected)
    return { kind, binding, fields, id }
  }

  const inResponseTo = root.getAttribute('InResponseTo')
  if (!inResponseTo) {
    reject('LogoutResponse without InResponseTo')
  }
  const status = children(root, PROTOCOL_NS, 'Status')[0]
  const statusCode = status && children(status, PROTOCOL_NS, 'StatusCode')[0]
  if (statusCode?.getAttribute('Value') !== SUCCESS) {
    reject(`LogoutResponse status ${statusCode?.getAttribute('Value') ?? 'missing'}`)
  }
  return { kind, binding, fields, id, inResponseTo }
}
