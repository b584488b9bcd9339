import { DOMParser, XMLSerializer, type Element } from '@xmldom/xmldom'

const METADATA_NS = 'urn:oasis:names:tc:SAML:2.0:metadata'

/** The bindings the SLO endpoint accepts LogoutRequests and LogoutResponses on, in preference order. */
export const SLO_BINDINGS = [
  'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
  'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
] as const

/**
 * node-saml's SP metadata with one SingleLogoutService per binding the
 * portal accepts (node-saml publishes HTTP-POST only), in the schema's
 * place: after the KeyDescriptors, before NameIDFormat and the ACS.
 */
export function withSingleLogoutServices(metadataXml: string, sloUrl: string) {
  const document = new DOMParser().parseFromString(metadataXml, 'text/xml')
  const descriptor = document.getElementsByTagNameNS(METADATA_NS, 'SPSSODescriptor')[0]
  if (!descriptor) {
    throw new Error('SP metadata without SPSSODescriptor')
  }
  for (const existing of Array.from(
    descriptor.getElementsByTagNameNS(METADATA_NS, 'SingleLogoutService')
  )) {
    const before = existing.previousSibling
    if (before?.nodeType === 3 && !before.nodeValue?.trim()) {
      descriptor.removeChild(before)
    }
    descriptor.removeChild(existing)
  }
  const next = Array.from(descriptor.childNodes).find(
    (node): node is Element =>
      node.nodeType === 1 &&
      ['NameIDFormat', 'AssertionConsumerService'].includes((node as Element).localName ?? '')
  )
  for (const binding of SLO_BINDINGS) {
    const service = document.createElementNS(METADATA_NS, 'SingleLogoutService')
    service.setAttribute('Binding', binding)
    service.setAttribute('Location', sloUrl)
    descriptor.insertBefore(service, next ?? null)
    descriptor.insertBefore(document.createTextNode('\n    '), next ?? null)
  }
  return new XMLSerializer().serializeToString(document)
}
