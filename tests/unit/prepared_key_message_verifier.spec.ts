import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import { Encryption } from '@adonisjs/core/encryption'
import { Secret } from '@adonisjs/core/helpers'
import { MessageVerifier } from '@boringnode/encryption/message_verifier'
import { PreparedKeyMessageVerifier } from '#services/encryption/prepared_key_message_verifier'

/*
 * The message verifier with prepared keys
 * (app/services/encryption/prepared_key_message_verifier.ts) against the
 * package's own: what one signs the other unsigns, and both refuse the same.
 */
const KEY = 'unit-test-key-0123456789abcdef'
const OLD_KEY = 'an-older-key-0123456789abcdef'

test.group('Prepared key message verifier', () => {
  test('signs exactly as the package does, and each unsigns what the other signed', ({
    assert,
  }) => {
    const prepared = new PreparedKeyMessageVerifier([KEY])
    const stock = new MessageVerifier([KEY])
    for (const [value, purpose] of [
      ['0b7a3c5e-session-id', 'portal-session'],
      [{ nested: { list: [1, 2, 3] }, at: '2026-12-06' }, undefined],
      [42, 'numbers'],
      ['ünïcödé ✓', 'XSRF-TOKEN'],
    ] as const) {
      const signed = prepared.sign(value, undefined, purpose)
      assert.equal(signed, stock.sign(value, undefined, purpose))
      assert.deepEqual(stock.unsign(signed, purpose), value)
      assert.deepEqual(prepared.unsign(stock.sign(value, undefined, purpose), purpose), value)
    }
  })

  test('refuses what the package refuses: another purpose, key or MAC, any malformed value', ({
    assert,
  }) => {
    const prepared = new PreparedKeyMessageVerifier([KEY])
    const stock = new MessageVerifier([KEY])
    const signed = stock.sign('session-id', undefined, 'portal-session')
    const [encoded, mac] = signed.split('.')
    const otherMac = new MessageVerifier(['another-key-0123456789abcdef'])
      .sign('session-id', undefined, 'portal-session')
      .split('.')[1]
    const refused = [
      signed.slice(0, -1),
      `${encoded}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`,
      `${encoded}.${otherMac}`,
      `${encoded}.${mac}.extra`,
      `${encoded}.`,
      `.${mac}`,
      `${encoded}x.${mac}`,
      `${encoded}.${mac}é`,
      `${encoded}.${'é'.repeat(43)}`,
      '',
      'no separator',
    ]
    for (const value of refused) {
      assert.isNull(stock.unsign(value, 'portal-session'), value)
      assert.isNull(prepared.unsign(value, 'portal-session'), value)
    }
    assert.isNull(prepared.unsign(signed, 'XSRF-TOKEN'))
    assert.isNull(prepared.unsign(signed))
    assert.isNull(prepared.unsign(undefined as unknown as string))
    const expiring = prepared.sign('short-lived', -1, 'portal-session')
    assert.isNull(prepared.unsign(expiring, 'portal-session'))
  })

  test('a message verified before is taken without its MAC, its purpose and expiry checked every time', async ({
    assert,
  }) => {
    const prepared = new PreparedKeyMessageVerifier([KEY])
    const signed = prepared.sign('session-id', undefined, 'portal-session')
    const [encoded, mac] = signed.split('.')
    for (let read = 0; read < 3; read++) {
      assert.equal(prepared.unsign(signed, 'portal-session'), 'session-id')
    }
    assert.isNull(prepared.unsign(signed, 'XSRF-TOKEN'))
    assert.isNull(prepared.unsign(signed))
    assert.isNull(prepared.unsign(`${encoded}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`))
    assert.isNull(prepared.unsign(`${encoded}x.${mac}`, 'portal-session'))

    const expiring = prepared.sign('short-lived', 100, 'portal-session')
    assert.equal(prepared.unsign(expiring, 'portal-session'), 'short-lived')
    await new Promise((resolve) => setTimeout(resolve, 150))
    assert.isNull(prepared.unsign(expiring, 'portal-session'))

    // Past the messages it keeps, the first is verified by its MAC again.
    for (let other = 0; other < 10_050; other++) {
      prepared.unsign(
        prepared.sign(`other-${other}`, undefined, 'portal-session'),
        'portal-session'
      )
    }
    assert.equal(prepared.unsign(signed, 'portal-session'), 'session-id')
    assert.isNull(prepared.unsign(signed, 'XSRF-TOKEN'))
  })

  test('signs with the first key and reads values of the older ones', ({ assert }) => {
    const rotated = new PreparedKeyMessageVerifier([KEY, new Secret(OLD_KEY)])
    const old = new MessageVerifier([OLD_KEY])
    assert.equal(rotated.unsign(old.sign('kept', undefined, 'p'), 'p'), 'kept')
    assert.equal(new MessageVerifier([KEY]).unsign(rotated.sign('new', undefined, 'p'), 'p'), 'new')
    assert.isNull(old.unsign(rotated.sign('new', undefined, 'p'), 'p'))
  })

  test('checks the secrets as the package does', ({ assert }) => {
    assert.throws(() => new PreparedKeyMessageVerifier([]))
    assert.throws(() => new PreparedKeyMessageVerifier(['too-short']))
    assert.throws(() => new PreparedKeyMessageVerifier(['']))
    assert.throws(() => new PreparedKeyMessageVerifier([KEY]).sign(null))
  })

  test("is the verifier of the application's encryption (cookies, signed URLs)", async ({
    assert,
  }) => {
    const encryption = await app.container.make(Encryption)
    assert.instanceOf(encryption.getMessageVerifier(), PreparedKeyMessageVerifier)
    const manager = await app.container.make('encryption')
    assert.strictEqual(manager.use(), encryption)
    assert.strictEqual(manager.getMessageVerifier(), encryption.getMessageVerifier())
    // The drivers are the package's: values encrypted before read as before.
    assert.equal(encryption.decrypt(encryption.encrypt('secret', undefined, 'p'), 'p'), 'secret')
  })
})
