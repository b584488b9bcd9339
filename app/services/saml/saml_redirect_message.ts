import { inflateRawSync } from 'node:zlib'
import { DOMParser } from '@xmldom/xmldom'

/** Upper bound of an inflated redirect-binding message (a deflate bomb stops here). */
const MAX_INFLATED_BYTES = 64 * 1024

/**
 * The InResponseTo of a HTTP-Redirect binding LogoutResponse (deflated,
 * base64), or null when it cannot be read.
 */
export async function logoutResponseInResponseTo(encoded: string) {
  try {
    const xml = inflateRawSync(Buffer.from(encoded, 'base64'), {
      maxOutputLength: MAX_INFLATED_BYTES,
    }).toString('utf8')
    if (/<!DOCTYPE/i.test(xml)) {
      return null
    }
    const root = new DOMParser().parseFromString(xml, 'text/xml').documentElement
    return root?.localName === 'LogoutResponse' ? root.getAttribute('InResponseTo') : null
  } catch {
    return null
  }
}
