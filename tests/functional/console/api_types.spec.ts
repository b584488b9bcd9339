import { readFile } from 'node:fs/promises'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import { CONSOLE_API_TYPES_PATH, renderConsoleApiTypes } from '#openapi/console_api_types'

test.group('Console: the generated API client', () => {
  test('the committed API types are what the published OpenAPI document generates', async ({
    client,
    assert,
  }) => {
    const published = await client.get('/api/v1/openapi.json')
    published.assertStatus(200)
    const generated = await renderConsoleApiTypes(published.body())
    const committed = await readFile(app.makePath(CONSOLE_API_TYPES_PATH), 'utf8')
    assert.isTrue(
      generated === committed,
      `${CONSOLE_API_TYPES_PATH} differs from the OpenAPI document: run "node ace console:api-types" and commit the result`
    )
  }).timeout(60_000)
})
