import {
  createHash,
  createHmac,
  createSecretKey,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto'
import { MessageBuilder, type Secret } from '@adonisjs/core/helpers'
import { RuntimeException } from '@adonisjs/core/exceptions'
import { base64UrlDecode, base64UrlEncode } from '@boringnode/encryption'
import { MessageVerifier } from '@boringnode/encryption/message_verifier'

const SEPARATOR = '.'

/** How many verified messages are kept (a signed session cookie is about 100 bytes). */
const VERIFIED_KEPT = 10_000

/**
 * The framework's message verifier (signed cookies, signed URLs) with its
 * HMAC keys made into KeyObjects once. The package hands `createHmac` the
 * raw key Buffer, and Node 24 tells a Buffer from a KeyObject or CryptoKey
 * by throwing and catching two errors per call (`isKeyObject`,
 * `isCryptoKey`); it also compares through two more HMACs of a random key.
 * An unsign of the session cookie cost 3 HMACs, about 150 µs of CPU per
 * browser request (docs/benchmarks.md, stop 31). Same format, same keys,
 * same answers: a value signed by either verifier is unsigned by the
 * other (tests/unit/prepared_key_message_verifier.spec.ts).
 */
export class PreparedKeyMessageVerifier extends MessageVerifier {
  /** The first signs; every one verifies (older keys after a rotation). */
  #keys: KeyObject[]
  /**
   * Signed messages whose MAC this verifier computed and found right, the
   * most recent VERIFIED_KEPT: a browser sends the same signed session
   * cookie with every request, and its HMAC was a tenth of a cookie read
   * of `GET /me` (docs/benchmarks.md, stop 34). Only a string identical to
   * one that verified is taken without its MAC; its contents (purpose,
   * expiry) are still checked on every unsign.
   */
  #verified = new Set<string>()

  constructor(secrets: (string | Secret<string>)[]) {
    // The package's checks of the secrets (present, at least 16 characters).
    super(secrets)
    this.#keys = secrets.map((secret) =>
      createSecretKey(
        createHash('sha256')
          .update(typeof secret === 'string' ? secret : secret.release())
          .digest()
      )
    )
  }

  #mac(key: KeyObject, encoded: string) {
    return base64UrlEncode(createHmac('sha256', key).update(encoded).digest())
  }

  sign(payload: any, expiresIn?: string | number, purpose?: string): string {
    if (payload === null || payload === undefined) {
      throw new RuntimeException(`Cannot sign "${payload}" value`)
    }
    const encoded = base64UrlEncode(new MessageBuilder().build(payload, expiresIn, purpose))
    return `${encoded}${SEPARATOR}${this.#mac(this.#keys[0], encoded)}`
  }

  unsign<T extends any>(payload: string, purpose?: string): T | null {
    if (typeof payload !== 'string') {
      return null
    }
    const parts = payload.split(SEPARATOR)
    if (parts.length !== 2) {
      return null
    }
    const [encoded, hash] = parts
    if (!encoded || !hash) {
      return null
    }
    const decoded = base64UrlDecode(encoded, 'utf8')
    if (!decoded) {
      return null
    }
    if (this.#verified.has(payload)) {
      return new MessageBuilder().verify<T>(decoded as string, purpose)
    }
    const given = Buffer.from(hash)
    for (const key of this.#keys) {
      const expected = Buffer.from(this.#mac(key, encoded))
      // A MAC's length is no secret; its bytes are compared in constant time.
      if (given.length === expected.length && timingSafeEqual(given, expected)) {
        this.#remember(payload)
        return new MessageBuilder().verify<T>(decoded as string, purpose)
      }
    }
    return null
  }

  #remember(payload: string) {
    if (this.#verified.size >= VERIFIED_KEPT) {
      // The oldest first: a Set iterates in insertion order.
      this.#verified.delete(this.#verified.values().next().value!)
    }
    this.#verified.add(payload)
  }
}
