import { DOMParser, type Element } from '@xmldom/xmldom'
import SamlResponseRejectedException from '#exceptions/saml_response_rejected_exception'

const PROTOCOL_NS = 'urn:oasis:names:tc:SAML:2.0:protocol'
const ASSERTION_NS = 'urn:oasis:names:tc:SAML:2.0:assertion'
const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#'
const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success'

/** SHA-1 based signature and digest algorithms, refused although node-saml accepts them. */
export const WEAK_ALGORITHMS = /#(rsa-)?sha1$/i

/**
 * Checks node-saml leaves to its caller, run on the raw Response before
 * signature validation:
 * - a Success status (node-saml would read an assertion from a failed one);
 * - no DOCTYPE (entity tricks), exactly one Response with exactly one
 *   (possibly encrypted) Assertion — extra assertions are how XML
 *   signature wrapping smuggles an unsigned identity in;
 * - Destination and every SubjectConfirmationData Recipient equal this
 *   portal's ACS URL (a response meant for another SP is not ours);
 * - the Response's Issuer, when present, is the configured IdP (node-saml
 *   checks the Issuer of logout messages only; the Assertion's, which
 *   SAML requires, is checked on the validated profile);
 * - no SHA-1 signatures or digests;
 * - an InResponseTo (no unsolicited responses), returned for claiming.
 */
export function guardSamlResponse(
  base64Response: unknown,
  expected: { acsUrl: string; idpEntityId: string }
) {
  const { acsUrl } = expected
  if (typeof base64Response !== 'string' || base64Response.length === 0) {
    throw new SamlResponseRejectedException('missing SAMLResponse')
  }
  const xml = Buffer.from(base64Response, 'base64').toString('utf8')
  if (/<!DOCTYPE/i.test(xml)) {
    throw new SamlResponseRejectedException('DOCTYPE not allowed')
  }

  let root: Element | null
  try {
    const document = new DOMParser({
      onError: (level, message) => {
        if (level !== 'warning') {
          throw new Error(message)
        }
      },
    }).parseFromString(xml, 'text/xml')
    root = document.documentElement
  } catch {
    throw new SamlResponseRejectedException('not well-formed XML')
  }

  if (!root || root.localName !== 'Response' || root.namespaceURI !== PROTOCOL_NS) {
    throw new SamlResponseRejectedException('not a SAML Response')
  }

  // node-saml reads an assertion even from a non-Success response.
  const statusCode = root.getElementsByTagNameNS(PROTOCOL_NS, 'StatusCode')[0]
  if (statusCode?.getAttribute('Value') !== SUCCESS) {
    throw new SamlResponseRejectedException(
      `status ${statusCode?.getAttribute('Value') ?? 'missing'}`
    )
  }

  const assertions =
    root.getElementsByTagNameNS(ASSERTION_NS, 'Assertion').length +
    root.getElementsByTagNameNS(ASSERTION_NS, 'EncryptedAssertion').length
  if (assertions !== 1) {
    throw new SamlResponseRejectedException(`expected exactly one assertion, found ${assertions}`)
  }

  if (root.getAttribute('Destination') !== acsUrl) {
    throw new SamlResponseRejectedException('Destination is not this portal')
  }
  const confirmations = root.getElementsByTagNameNS(ASSERTION_NS, 'SubjectConfirmationData')
  for (const confirmation of Array.from(confirmations)) {
    const recipient = confirmation.getAttribute('Recipient')
    if (recipient !== null && recipient !== acsUrl) {
      throw new SamlResponseRejectedException('Recipient is not this portal')
    }
  }

  const issuers = Array.from(root.childNodes).filter(
    (node): node is Element =>
      node.nodeType === 1 &&
      (node as Element).namespaceURI === ASSERTION_NS &&
      (node as Element).localName === 'Issuer'
  )
  if (issuers.some((issuer) => issuer.textContent?.trim() !== expected.idpEntityId)) {
    throw new SamlResponseRejectedException('Response Issuer is not the configured IdP')
  }

  for (const name of ['SignatureMethod', 'DigestMethod']) {
    for (const method of Array.from(root.getElementsByTagNameNS(DSIG_NS, name))) {
      if (WEAK_ALGORITHMS.test(method.getAttribute('Algorithm') ?? '')) {
        throw new SamlResponseRejectedException(`${name} uses SHA-1`)
      }
    }
  }

  // Unsolicited responses are refused: every sign-in starts at this portal.
  const inResponseTo = root.getAttribute('InResponseTo')
  if (!inResponseTo) {
    throw new SamlResponseRejectedException('unsolicited response (no InResponseTo)')
  }
  return { inResponseTo }
}
