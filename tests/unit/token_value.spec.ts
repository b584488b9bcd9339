import { test } from '@japa/runner'
import { AccessToken } from '@adonisjs/auth/access_tokens'
import { Secret } from '@adonisjs/core/helpers'
import { decodeTokenValue, secretMatches, storedHashBytes } from '#models/token_value'

const url = (text: string | Buffer) => Buffer.from(text).toString('base64url')

/** A token the package itself seeds, as a user would present it. */
function seeded(id = 42) {
  const { secret, hash } = AccessToken.seed(40)
  return { value: `fp_${url(String(id))}.${url(secret.release())}`, hash }
}

/*
 * The presented token taken apart and checked without the package's
 * per-call work (app/models/token_value.ts): it must answer what
 * `AccessToken.decode` and `AccessToken.verify` answer, value for value.
 */
test.group('Token value', () => {
  test('takes every presented value apart as the auth package does', ({ assert }) => {
    const { value } = seeded()
    const [identifier, secret] = value.slice('fp_'.length).split('.')
    const presented = [
      value,
      `fp_${url('7')}.${url('s')}`,
      `fp_${url('1234567890123')}.${secret}`,
      `xx_${identifier}.${secret}`,
      `${identifier}.${secret}`,
      'fp_',
      `fp_${identifier}`,
      `fp_${identifier}.`,
      `fp_.${secret}`,
      `fp_${identifier}.${secret}.${secret}`,
      `fp_${identifier}.${secret}.`,
      `fp_${identifier}..${secret}`,
      // Not the canonical base64url of the bytes: padding, the base64 alphabet, stray characters.
      `fp_${Buffer.from('42').toString('base64')}.${secret}`,
      `fp_${identifier}.${Buffer.from('a secret?>').toString('base64')}`,
      `fp_${identifier}.${url('a secret?>')}`,
      `fp_${identifier}.${secret}=`,
      `fp_${identifier}.${secret} `,
      `fp_${identifier}.${secret.slice(0, -1)}`,
      `fp_${identifier}.${secret}%`,
      // Not UTF-8 (a lone continuation byte, a truncated sequence), and UTF-8 that is.
      `fp_${identifier}.${url(Buffer.from([0x61, 0x80, 0x62]))}`,
      `fp_${identifier}.${url(Buffer.from([0xe2, 0x82]))}`,
      `fp_${identifier}.${url('sécret ✓')}`,
      `fp_${url('ü')}.${secret}`,
    ]
    for (const each of presented) {
      const expected = AccessToken.decode('fp_', each)
      const decoded = decodeTokenValue('fp_', each)
      assert.deepEqual(
        decoded && { identifier: decoded.identifier, secret: decoded.secret.toString('utf8') },
        expected && { identifier: expected.identifier, secret: expected.secret.release() },
        each
      )
    }
  })

  test('admits the secret the stored hash was made of, and no other', ({ assert }) => {
    const { value, hash } = seeded()
    const decoded = decodeTokenValue('fp_', value)!
    const stored = new AccessToken({
      identifier: 42,
      tokenableId: 1,
      type: 'personal_token',
      hash,
      createdAt: new Date(),
      updatedAt: new Date(),
      lastUsedAt: null,
      expiresAt: null,
      name: null,
    })
    assert.isTrue(stored.verify(new Secret(decoded.secret.toString('utf8'))))
    assert.isTrue(secretMatches(decoded.secret, storedHashBytes(hash)))

    const other = decodeTokenValue('fp_', seeded().value)!
    assert.isFalse(secretMatches(other.secret, storedHashBytes(hash)))
    const oneByteOff = Buffer.from(decoded.secret)
    oneByteOff[oneByteOff.length - 1] ^= 1
    assert.isFalse(secretMatches(oneByteOff, storedHashBytes(hash)))
    // A stored hash the package could not have written matches nothing (its text comparison would not).
    assert.isFalse(secretMatches(decoded.secret, storedHashBytes(hash.toUpperCase())))
    assert.isFalse(secretMatches(decoded.secret, storedHashBytes(hash.slice(0, -2))))
    assert.isFalse(secretMatches(decoded.secret, storedHashBytes(null)))
  })
})
