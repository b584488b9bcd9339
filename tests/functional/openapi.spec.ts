import { test } from '@japa/runner'
import router from '@adonisjs/core/services/router'
import { openApiDocument } from '#openapi/document'
import { ApiSession } from '#tests/helpers/api_session'

/** Router patterns ("/api/v1/auth/tokens/:id") in OpenAPI form ("/api/v1/auth/tokens/{id}"). */
function registeredOperations() {
  const operations: string[] = []
  for (const routes of Object.values(router.toJSON())) {
    for (const route of routes) {
      const path = route.pattern
        .replace(/:(\w+)/g, '{$1}')
        .replace(/(.)\/$/, '$1')
        // The console's catch-all ("/*") is documented as "/{path}".
        .replace(/^\/\*$/, '/{path}')
      for (const method of route.methods) {
        if (method !== 'HEAD') {
          operations.push(`${method} ${path}`)
        }
      }
    }
  }
  return operations.sort()
}

function documentedOperations() {
  const operations: string[] = []
  for (const [path, item] of Object.entries(openApiDocument.paths)) {
    for (const method of Object.keys(item)) {
      operations.push(`${method.toUpperCase()} ${path}`)
    }
  }
  return operations.sort()
}

test.group('OpenAPI document', () => {
  test('documents exactly the routes the server registers', ({ assert }) => {
    assert.deepEqual(documentedOperations(), registeredOperations())
  })

  test('is served as OpenAPI 3.1 JSON', async ({ client, assert }) => {
    const response = await new ApiSession(client).get('/api/v1/openapi.json')
    response.assertStatus(200)
    assert.equal(response.body().openapi, '3.1.0')
    assert.property(response.body().paths, '/api/v1/auth/login')
  })

  test('every operation lists its responses and every $ref resolves', ({ assert }) => {
    const text = JSON.stringify(openApiDocument)
    for (const [, target] of text.matchAll(/"\$ref":"#\/([^"]+)"/g)) {
      const resolved = target.split('/').reduce<any>((node, key) => node?.[key], openApiDocument)
      assert.exists(resolved, `unresolved $ref #/${target}`)
    }
    for (const operation of documentedOperations()) {
      const [method, path] = operation.split(' ')
      const item = (openApiDocument.paths as any)[path][method.toLowerCase()]
      assert.isAbove(Object.keys(item.responses).length, 0, operation)
    }
  })

  test('the reference page loads Swagger UI from the portal itself', async ({ client, assert }) => {
    const page = await client.get('/api/docs')
    page.assertStatus(200)
    assert.include(page.header('content-type'), 'text/html')
    assert.include(page.text(), '/api/docs/assets/swagger-ui-bundle.js')
    assert.notInclude(page.text(), 'https://')

    const bundle = await client.get('/api/docs/assets/swagger-ui-bundle.js')
    bundle.assertStatus(200)
    const init = await client.get('/api/docs/assets/init.js')
    assert.include(init.text(), '/api/v1/openapi.json')
  })

  test('serves no other file through the asset route', async ({ client }) => {
    ;(await client.get('/api/docs/assets/package.json')).assertStatus(404)
    ;(await client.get('/api/docs/assets/..%2F..%2Fpackage.json')).assertStatus(404)
  })
})
