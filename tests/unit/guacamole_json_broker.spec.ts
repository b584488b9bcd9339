import { createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto'
import { DateTime } from 'luxon'
import { test } from '@japa/runner'
import GuacamoleJsonBroker from '#services/access/guacamole_json_broker'
import type { AccessTarget } from '#services/access/access_broker'
import { openGuacamoleJson } from '#tests/helpers/fake_guacamole'

const SECRET = '00112233445566778899aabbccddeeff'

/** The extension's algorithm, written independently of the broker: decrypt, then check the HMAC. */
function decryptAndVerify(blob: string, secretHex: string) {
  const key = Buffer.from(secretHex, 'hex')
  const decipher = createDecipheriv('aes-128-cbc', key, Buffer.alloc(16, 0))
  const plain = Buffer.concat([decipher.update(Buffer.from(blob, 'base64')), decipher.final()])
  const signature = plain.subarray(0, 32)
  const json = plain.subarray(32)
  const valid = timingSafeEqual(signature, createHmac('sha256', key).update(json).digest())
  return { valid, payload: valid ? JSON.parse(json.toString('utf8')) : null }
}

function target(changes: Partial<AccessTarget> = {}): AccessTarget {
  return {
    environmentId: 42,
    userId: 7,
    protocol: 'vnc',
    host: '10.0.0.7',
    port: 5901,
    secret: 'per-environment-secret',
    username: 'portal',
    expiresAt: DateTime.fromISO('2031-05-06T07:08:09.123Z', { zone: 'utc' }),
    ...changes,
  }
}

test.group('Guacamole JSON broker (guacamole-auth-json)', () => {
  test('the blob decrypts and verifies with the documented algorithm', async ({ assert }) => {
    const grant = await new GuacamoleJsonBroker(SECRET).grant(target())
    const { data } = grant.credentials as { data: string }
    const { valid, payload } = decryptAndVerify(data, SECRET)
    assert.isTrue(valid)
    // Usable for a minute after it is issued, not until the environment expires.
    assert.closeTo(payload.expires, Date.now() + 60_000, 2000)
    assert.isTrue(payload.singleUse)
    assert.match(payload.username, /^portal-test-env-42-[0-9a-f]+$/)
    const names = Object.keys(payload.connections)
    assert.deepEqual(names, ['portal-test-env-42-vnc'])
    assert.deepEqual(payload.connections[names[0]], {
      protocol: 'vnc',
      parameters: { hostname: '10.0.0.7', port: '5901', password: 'per-environment-secret' },
    })
    // The client identifier names the map key in the "json" data source.
    assert.equal(
      Buffer.from(grant.clientId, 'base64url').toString('utf8'),
      'portal-test-env-42-vnc\0c\0json'
    )
    assert.deepEqual(openGuacamoleJson(data, SECRET), payload)
  })

  test('each grant is a fresh user; RDP carries its security settings', async ({ assert }) => {
    const broker = new GuacamoleJsonBroker(SECRET)
    const first = decryptAndVerify(
      ((await broker.grant(target())).credentials as { data: string }).data,
      SECRET
    ).payload
    const rdp = decryptAndVerify(
      (
        (await broker.grant(target({ protocol: 'rdp', port: 3389 }))).credentials as {
          data: string
        }
      ).data,
      SECRET
    ).payload
    assert.notEqual(first.username, rdp.username)
    assert.include(rdp.connections['portal-test-env-42-rdp'].parameters, {
      'username': 'portal',
      'password': 'per-environment-secret',
      'ignore-cert': 'true',
      'security': 'any',
    })
  })

  test('tampering and a wrong key are detected', async ({ assert }) => {
    const grant = await new GuacamoleJsonBroker(SECRET).grant(target())
    const { data } = grant.credentials as { data: string }
    const bytes = Buffer.from(data, 'base64')
    bytes[5] ^= 0x01
    const tampered = bytes.toString('base64')
    assert.isFalse(decryptAndVerify(tampered, SECRET).valid)
    assert.isNull(openGuacamoleJson(tampered, SECRET))
    assert.isNull(openGuacamoleJson(data, 'ffeeddccbbaa99887766554433221100'))
    // A block in the middle: the JSON changes, the signature no longer matches.
    const middle = Buffer.from(data, 'base64')
    middle[40] ^= 0x80
    assert.isNull(openGuacamoleJson(middle.toString('base64'), SECRET))
  })

  test('a blob never outlives its environment', async ({ assert }) => {
    const soon = DateTime.utc().plus({ seconds: 10 })
    const grant = await new GuacamoleJsonBroker(SECRET).grant(target({ expiresAt: soon }))
    const { payload } = decryptAndVerify((grant.credentials as { data: string }).data, SECRET)
    assert.equal(payload.expires, soon.toMillis())
  })
})
