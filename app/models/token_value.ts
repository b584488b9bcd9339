import { hash, timingSafeEqual } from 'node:crypto'
import { isUtf8 } from 'node:buffer'

/**
 * A presented API token value, `<prefix><base64url id>.<base64url secret>`,
 * taken apart without the auth package's per-call work (a RegExp built
 * for the prefix, each part decoded, re-encoded through three `replace`
 * calls and compared as text, the secret wrapped as a string).
 */
export type DecodedTokenValue = { identifier: string; secret: Buffer }

/**
 * A part's bytes when it is the canonical base64url of UTF-8 text, as
 * `base64.urlDecode` requires (it re-encodes the decoded text and compares);
 * null otherwise, and for an empty part.
 */
function canonicalBase64Url(part: string) {
  const bytes = Buffer.from(part, 'base64url')
  return bytes.length > 0 && isUtf8(bytes) && bytes.toString('base64url') === part ? bytes : null
}

/**
 * The token id and the secret's bytes, or null where `AccessToken.decode`
 * answers null: another prefix, no dot, an empty or non-canonical part
 * (a second dot makes the secret part non-canonical).
 */
export function decodeTokenValue(prefix: string, value: string): DecodedTokenValue | null {
  if (!value.startsWith(prefix)) {
    return null
  }
  const dot = value.indexOf('.', prefix.length)
  if (dot === -1) {
    return null
  }
  const identifier = canonicalBase64Url(value.slice(prefix.length, dot))
  const secret = identifier && canonicalBase64Url(value.slice(dot + 1))
  return identifier && secret ? { identifier: identifier.toString('utf8'), secret } : null
}

/** How the package stores a hash: SHA-256 as lowercase hex (what its text comparison matches). */
const STORED_HASH = /^[0-9a-f]{64}$/

/** The stored hash as bytes; no bytes (matching nothing) when it is not in the stored form. */
export function storedHashBytes(storedHash: unknown) {
  return typeof storedHash === 'string' && STORED_HASH.test(storedHash)
    ? Buffer.from(storedHash, 'hex')
    : Buffer.alloc(0)
}

/**
 * Whether the secret's SHA-256 is the stored one. The digests are compared
 * in constant time (`timingSafeEqual`), as `AccessToken.verify` does
 * through `safeEqual`; the secret itself is hashed once, never kept.
 */
export function secretMatches(secret: Buffer, storedHash: Buffer) {
  // Hex, then bytes: a digest answered as a Buffer takes 2-3 µs (its own
  // memory), as hex about 0.5, and the bytes of hex come from Node's pool.
  const presented = Buffer.from(hash('sha256', secret, 'hex'), 'hex')
  return presented.length === storedHash.length && timingSafeEqual(presented, storedHash)
}
