import { test } from '@japa/runner'
import { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'

test.group('Error shape and request ids', (group) => {
  isolateEachTest(group)

  test('an unknown route is a JSON 404', async ({ client, assert }) => {
    const response = await new ApiSession(client).request('GET', '/api/v1/no-such-thing')
    response.assertStatus(404)
    assert.deepEqual(response.body(), {
      errors: [{ code: 'E_ROUTE_NOT_FOUND', message: 'No such endpoint' }],
    })
    assert.include(response.header('content-type'), 'application/json')
  })

  test('an unknown method on a known path is a JSON 404', async ({ client, assert }) => {
    const response = await new ApiSession(client).request('PATCH', '/api/v1/me')
    response.assertStatus(404)
    assert.equal(response.body().errors[0].code, 'E_ROUTE_NOT_FOUND')
  })

  test('JSON is answered even to clients asking for HTML', async ({ client, assert }) => {
    const response = await client.get('/api/v1/me').header('Accept', 'text/html')
    response.assertStatus(401)
    assert.deepEqual(response.body(), {
      errors: [{ code: 'E_UNAUTHENTICATED', message: 'Authentication required' }],
    })
  })

  test('echoes a well-formed X-Request-Id', async ({ client, assert }) => {
    const response = await client.get('/health/live').header('X-Request-Id', 'trace-abc.123')
    assert.equal(response.header('x-request-id'), 'trace-abc.123')
  })

  test('replaces an X-Request-Id that could inject into logs or headers', async ({
    client,
    assert,
  }) => {
    const response = await client
      .get('/health/live')
      .header('X-Request-Id', 'evil value"}{"admin":true')
    const issued = response.header('x-request-id')
    assert.match(issued ?? '', /^[0-9a-f-]{36}$/)
  })

  test('issues a request id when none is sent', async ({ client, assert }) => {
    const first = await client.get('/health/live')
    const second = await client.get('/health/live')
    assert.match(first.header('x-request-id') ?? '', /^[0-9a-f-]{36}$/)
    assert.notEqual(first.header('x-request-id'), second.header('x-request-id'))
  })
})
