import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import env from '#start/env'
import consoleConfig from '#config/console'
import ConsoleBundle from '#services/console/console_bundle'
import { isolateEachTest } from '#tests/helpers/isolation'

/** The CSP directives of a response, by name. */
function cspOf(header: string | undefined) {
  return Object.fromEntries(
    (header ?? '')
      .split(';')
      .map((directive) => directive.trim().split(/\s+/))
      .map(([name, ...values]) => [name, values])
  ) as Record<string, string[]>
}

/** The built console's page, as scripts/build_console.sh left it. */
function builtIndex() {
  return readFile(join(consoleConfig.buildDir, 'index.html'), 'utf8')
}

test.group('Console: the page and its assets', (group) => {
  isolateEachTest(group)

  test('serves the console at / with a strict CSP, revalidated on every load', async ({
    client,
    assert,
  }) => {
    const page = await client.get('/')
    page.assertStatus(200)
    assert.include(page.header('content-type'), 'text/html')
    assert.equal(page.header('cache-control'), 'no-cache')
    assert.equal(page.text(), await builtIndex())

    const csp = cspOf(page.header('content-security-policy'))
    for (const directive of ['default-src', 'script-src', 'style-src', 'img-src']) {
      assert.deepEqual(csp[directive], ["'self'"], directive)
    }
    // Fetches: the portal, and Guacamole's token endpoint when the browser must sign in there.
    assert.deepEqual(csp['connect-src'], ["'self'", new URL(env.get('GUACAMOLE_URL')!).origin])
    assert.deepEqual(csp['frame-ancestors'], ["'none'"])
    assert.deepEqual(csp['object-src'], ["'none'"])
    assert.equal(page.header('x-frame-options'), 'DENY')
    assert.equal(page.header('x-content-type-options'), 'nosniff')
  })

  test('the built page has no inline script or style for the CSP to block', async ({ assert }) => {
    const html = await builtIndex()
    assert.match(html, /<script type="module" crossorigin src="\/assets\/[\w.-]+\.js"><\/script>/)
    assert.notMatch(html, /<script(?![^>]*\ssrc=)[^>]*>/, 'every script has a src')
    assert.notMatch(html, /<style|\sstyle=|\son\w+=/i)
  })

  test('answers every client-side route, however deep, with the same page', async ({
    client,
    assert,
  }) => {
    const index = await builtIndex()
    for (const path of ['/experiments', '/experiments/12', '/admin/users/3', '/a/b/c/d?x=1']) {
      const page = await client.get(path)
      page.assertStatus(200)
      assert.equal(page.text(), index, path)
      assert.include(page.header('content-security-policy'), "script-src 'self'", path)
    }
  })

  test('keeps the JSON 404 for unknown paths under /api, /health, /metrics and /assets', async ({
    client,
    assert,
  }) => {
    for (const path of [
      '/api',
      '/api/',
      '/api/v1/no-such-thing',
      '/api/v1/environments/1/no-such-thing',
      '/api/v2/me',
      '/health/nope',
      '/metrics/nope',
      '/assets/a/b.js',
    ]) {
      const response = await client.get(path)
      response.assertStatus(404)
      assert.include(response.header('content-type'), 'application/json', path)
      assert.deepEqual(
        response.body(),
        { errors: [{ code: 'E_ROUTE_NOT_FOUND', message: 'No such endpoint' }] },
        path
      )
    }
    // Only GET has the fallback.
    const post = await client.post('/experiments')
    post.assertStatus(404)
    assert.equal(post.body().errors[0].code, 'E_ROUTE_NOT_FOUND')
  })

  test('serves hashed assets cached for a year, and no other file', async ({ client, assert }) => {
    const script = /src="\/assets\/([\w.-]+\.js)"/.exec(await builtIndex())![1]
    const asset = await client.get(`/assets/${script}`)
    asset.assertStatus(200)
    assert.include(asset.header('content-type'), 'javascript')
    assert.equal(asset.header('cache-control'), 'public, max-age=31536000, immutable')

    for (const path of [
      '/assets/no-such-file.js',
      '/assets/index.html',
      '/assets/.vite',
      '/assets/..%2Findex.html',
      '/assets/%2e%2e%2f%2e%2e%2fpackage.json',
      '/assets/..%5C..%5Cpackage.json',
    ]) {
      const response = await client.get(path)
      response.assertStatus(404)
      assert.equal(response.body().errors[0].code, 'E_NOT_FOUND', path)
    }
  })
})

test.group('Console: a portal without a built console', (group) => {
  isolateEachTest(group)

  test('/ says how to build the console instead of a JSON 404, and the API still answers', async ({
    client,
    assert,
    cleanup,
  }) => {
    const empty = await mkdtemp(join(tmpdir(), 'portal-no-console-'))
    app.container.swap(ConsoleBundle, () => new ConsoleBundle(empty))
    cleanup(async () => {
      app.container.restore(ConsoleBundle)
      await rm(empty, { recursive: true, force: true })
    })

    for (const path of ['/', '/experiments/3']) {
      const page = await client.get(path)
      page.assertStatus(503)
      assert.include(page.header('content-type'), 'text/html')
      assert.include(page.text(), '<h1>The web console is not built</h1>')
      assert.include(page.text(), 'npm run build:console')
      assert.notInclude(page.text(), '<script')
    }
    ;(await client.get('/assets/index.js')).assertStatus(404)
    const api = await client.get('/api/v1/no-such-thing')
    api.assertStatus(404)
    assert.equal(api.body().errors[0].code, 'E_ROUTE_NOT_FOUND')
    ;(await client.get('/health/live')).assertStatus(200)
  })
})
