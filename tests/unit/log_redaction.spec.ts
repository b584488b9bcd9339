import { test } from '@japa/runner'
import { censorSecrets, CENSORED } from '#config/redaction'
import { errorForLog } from '#config/logger'

test.group('Log redaction', () => {
  test('censors secret keys at any depth, in objects and arrays, whatever their case', ({
    assert,
  }) => {
    let deep: Record<string, unknown> = { password: 'deep-secret' }
    for (let level = 0; level < 12; level++) {
      deep = { level, next: deep }
    }
    const line = censorSecrets({
      query: { SAMLRequest: 'saml-secret', RelayState: 'relay-secret' },
      form: [{ eaa_hash: 'hash-secret' }, { keep: 'visible' }],
      env: { PORTAL_SECRET: 'portal-secret', portal_secret: 'lower-secret' },
      headers: { 'Authorization': 'Bearer x', 'Set-Cookie': ['a=b'] },
      deep,
    })
    const text = JSON.stringify(line)
    for (const secret of ['saml-secret', 'relay-secret', 'hash-secret', 'portal-secret']) {
      assert.notInclude(text, secret)
    }
    assert.notInclude(text, 'lower-secret')
    assert.notInclude(text, 'deep-secret')
    assert.notInclude(text, 'Bearer')
    assert.include(text, 'visible')
    assert.equal((line.query as Record<string, unknown>).SAMLRequest, CENSORED)
  })

  test('censors registry logins however they travel (dockerode options, engine header, setting)', ({
    assert,
  }) => {
    const text = JSON.stringify(
      censorSecrets({
        options: { authconfig: { username: 'puller', password: 'registry-secret-1' } },
        headers: { 'X-Registry-Auth': 'registry-secret-2' },
        env: { REGISTRY_PASSWORD: 'registry-secret-3' },
      })
    )
    for (const secret of ['registry-secret-1', 'registry-secret-2', 'registry-secret-3']) {
      assert.notInclude(text, secret)
    }
  })

  test('returns a line without secrets as it came, and copies only the way to a secret', ({
    assert,
  }) => {
    const clean = { a: 1, nested: { b: [1, 2, { c: 'x' }] } }
    assert.strictEqual(censorSecrets(clean), clean)

    const other = { d: 4 }
    const mixed = { other, inner: { token: 't' } }
    const censored = censorSecrets(mixed)
    assert.notStrictEqual(censored, mixed)
    assert.strictEqual(censored.other, other)
    assert.equal(mixed.inner.token, 't')
  })

  test('ends cycles and absurd depth instead of recursing forever', ({ assert }) => {
    const cyclic: Record<string, unknown> = { name: 'loop' }
    cyclic.self = cyclic
    const censored = censorSecrets({ cyclic })
    assert.include(
      JSON.stringify(censored, (_key, value) => value),
      '[TOO DEEP]'
    )
  })

  test('logs a Kubernetes API error by its status, never its body or headers', ({ assert }) => {
    class ApiException extends Error {
      constructor(
        public code: number,
        public body: unknown,
        public headers: Record<string, string>
      ) {
        super(
          `HTTP-Code: ${code}\nMessage: Unknown API Status Code!\nBody: ${JSON.stringify(body)}\nHeaders: ${JSON.stringify(headers)}`
        )
        this.name = 'ApiException'
      }
    }
    const error = new ApiException(
      422,
      { kind: 'Status', message: 'Secret "x" is invalid: data[vnc]: Invalid value: "body-secret"' },
      { 'x-probe': 'header-secret' }
    )
    const logged = errorForLog(new Error('provisioning failed', { cause: error }))
    const text = JSON.stringify(logged)
    assert.notInclude(text, 'body-secret')
    assert.notInclude(text, 'header-secret')
    assert.equal((logged.cause as Record<string, unknown>).status, undefined)
    assert.equal((logged.cause as Record<string, unknown>).code, 422)
    assert.include((logged.cause as Record<string, unknown>).message as string, '422')
  })
})
