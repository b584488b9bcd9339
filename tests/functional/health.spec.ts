import { test } from '@japa/runner'
import { ApiSession } from '#tests/helpers/api_session'

test.group('Health', () => {
  test('liveness answers without touching the database', async ({ client, assert }) => {
    const response = await new ApiSession(client).get('/health/live')
    response.assertStatus(200)
    assert.deepEqual(response.body(), { status: 'ok' })
  })

  test('readiness reports the database check', async ({ client, assert }) => {
    const response = await new ApiSession(client).get('/health/ready')
    response.assertStatus(200)
    assert.equal(response.body().status, 'ok')
    assert.deepInclude(response.body().checks[0], { name: 'database', status: 'ok' })
  })

  test('probes create no session and set no cookies', async ({ client, assert }) => {
    const response = await client.get('/health/ready')
    assert.isUndefined(response.headers()['set-cookie'])
  })
})
