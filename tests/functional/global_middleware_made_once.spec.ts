import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import EveryRequestMiddleware from '#middleware/every_request_middleware'
import EveryRouteMiddleware from '#middleware/every_route_middleware'

/*
 * The server's and the router's global middleware are made once, at boot,
 * and called directly (app/middleware/global_middleware_made_once.ts): a
 * request must not ask the container for them. Swapped for a binding that
 * fails when made, they still run.
 */
const REQUEST_ID = /^[0-9a-f-]{36}$/

test.group('Global middleware made once', (group) => {
  group.each.setup(() => {
    for (const Middleware of [EveryRequestMiddleware, EveryRouteMiddleware]) {
      app.container.swap(Middleware, () => {
        throw new Error(`${Middleware.name} was made for a request`)
      })
    }
    return () => app.container.restoreAll([EveryRequestMiddleware, EveryRouteMiddleware])
  })

  test('every request passes the server middleware without the container making it', async ({
    client,
    assert,
  }) => {
    const answered = await client.get('/health/live')
    answered.assertStatus(200)
    assert.match(answered.header('x-request-id') ?? '', REQUEST_ID)
    assert.equal(answered.header('x-content-type-options'), 'nosniff')

    const unknown = await client.get('/api/v1/no-such-route')
    unknown.assertStatus(404)
    assert.match(unknown.header('x-request-id') ?? '', REQUEST_ID)
  })

  test('every matched route passes the router middleware without the container making it', async ({
    client,
  }) => {
    // The auth middleware needs the authenticator the router middleware creates.
    const anonymous = await client.get('/api/v1/me')
    anonymous.assertStatus(401)
    anonymous.assertBodyContains({ errors: [{ code: 'E_UNAUTHENTICATED' }] })
  })
})
