import { execFile } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { promisify } from 'node:util'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import router from '@adonisjs/core/services/router'
import { openApiDocument } from '#openapi/document'
import { ApiSession } from '#tests/helpers/api_session'
import { requestProblems } from '#tests/helpers/openapi_contract'
import { createImageValidator, MAX_IMAGE_LIFETIME_HOURS } from '#validators/image'

/** Where the lint test writes the served document (.redocly.lint-ignore.yaml names it). */
const LINTED_DOCUMENT = 'tmp/openapi-lint/openapi.json'

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

  test('every operation has a unique camelCase operationId and a description', ({ assert }) => {
    const ids: string[] = []
    for (const operation of documentedOperations()) {
      const [method, path] = operation.split(' ')
      const item = (openApiDocument.paths as any)[path][method.toLowerCase()]
      assert.match(item.operationId, /^[a-z][a-zA-Z0-9]*$/, operation)
      assert.isNotEmpty(item.description, `${operation} has no description`)
      ids.push(item.operationId)
    }
    assert.lengthOf(new Set(ids), ids.length, 'operationIds are not unique')
    for (const tag of openApiDocument.tags) {
      assert.isNotEmpty(tag.description, `tag ${tag.name} has no description`)
    }
  })

  test('request schemas come from the validators the routes run', ({ assert }) => {
    const body = (openApiDocument.paths as any)['/api/v1/admin/images'].post.requestBody
    const schema = body.content['application/json'].schema
    assert.equal(schema.properties.lifetimeHours.maximum, MAX_IMAGE_LIFETIME_HOURS)
    assert.deepEqual(schema.required, (createImageValidator.toJSONSchema() as any).required)
  })

  test('a request body the server accepted must match the document', ({ assert }) => {
    const path = '/api/v1/environments'
    assert.deepEqual(requestProblems('POST', path, 202, { imageId: 3 }), [])
    assert.deepEqual(requestProblems('POST', path, 422, { imageId: 'x' }), [])
    assert.isNotEmpty(requestProblems('POST', path, 202, { imageId: 'x' }))
    assert.isNotEmpty(requestProblems('POST', path, 202, undefined))
    assert.isNotEmpty(requestProblems('POST', '/api/v1/environments/1/stop', 202, { x: 1 }))
  })

  test('passes redocly lint (recommended rules) without a warning', async ({ client, assert }) => {
    const served = await client.get('/api/v1/openapi.json')
    await mkdir(app.makePath('tmp/openapi-lint'), { recursive: true })
    await writeFile(app.makePath(LINTED_DOCUMENT), JSON.stringify(served.body(), null, 2))
    const { stdout, stderr } = await promisify(execFile)(
      app.makePath('node_modules/.bin/redocly'),
      ['lint', LINTED_DOCUMENT, '--format=summary'],
      {
        cwd: app.makePath(),
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      }
    )
    const output = `${stdout}${stderr}`
    assert.notMatch(output, /warning|error/i, output)
    assert.include(output, 'Your API description is valid')
  }).timeout(60_000)

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
