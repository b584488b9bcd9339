import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from '@japa/runner'
import type { ApiClient } from '@japa/api-client'
import router from '@adonisjs/core/services/router'
import env from '#start/env'
import samlConfig from '#config/saml'
import portalConfig from '#config/portal'
import experimentsConfig from '#config/experiments'
import Environment from '#models/environment'
import ExperimentSession from '#models/experiment_session'
import EnvironmentProvisioner from '#services/environments/environment_provisioner'
import { createUser, FACTORY_PASSWORD } from '#database/factories/user_factory'
import { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'
import { trustedTestIdp, testIdpPort } from '#tests/helpers/test_saml'
import { decodeSamlRedirect, parseAutoPostForm, type IdpUser } from '#tests/helpers/saml_idp'
import { ROUTE_POLICIES, routeKeys } from '#tests/helpers/security/route_policies'
import { rawExchange, rawRequest } from '#tests/helpers/security/raw_http'
import { createHttpImage } from '#tests/helpers/environments'
import { securityWorld, UNSTARTABLE_REFERENCE } from '#tests/helpers/security/security_world'
import { snapshotState, stateDifferences } from '#tests/helpers/security/state_snapshot'
import { ExperimentSessionFactory } from '#database/factories/experiment_factory'

/*
 * Attacks on the web layer, beyond what other files already prove:
 * - SAML (unsigned, tampered, wrapped, replayed, expired, wrong audience or
 *   destination, SHA-1, unsolicited; SLO signatures): tests/functional/auth/saml.spec.ts
 *   and tests/integration/saml_multi_process.spec.ts;
 * - CSRF on sign-in and sign-out, forged tokens, malformed JSON, 413 on sign-in:
 *   tests/functional/auth/login.spec.ts;
 * - bearer tokens need no CSRF token and leave no session: tests/functional/auth/access_tokens.spec.ts;
 * - sign-in throttling per account (5) and per address (20), case-insensitive,
 *   cleared by success, validation not counted: tests/functional/auth/throttle.spec.ts
 *   and tests/functional/auth/user_office_login.spec.ts;
 * - X-Request-Id values that could inject into logs or headers: tests/functional/errors.spec.ts;
 * - dataset mount confinement ("..", controls, absolute and relative paths,
 *   symlink escapes, rw in the dataset root): tests/unit/dataset_mounts.spec.ts,
 *   tests/integration/dataset_mount_confinement.spec.ts, tests/functional/admin/experiments.spec.ts;
 * - every route's 401/403/404 and another user's objects: authorization_matrix.spec.ts.
 */

const FRONTEND = portalConfig.frontendOrigins[0]
const APP_ORIGIN = new URL(env.get('APP_URL')!).origin
const UNSAFE = ['POST', 'PUT', 'PATCH', 'DELETE']
const SIGNATURE_PROTECTED = ['POST /api/v1/auth/saml/acs', 'POST /api/v1/auth/saml/slo']

function unsafeRoutes() {
  router.commit()
  return routeKeys(Object.values(router.toJSON()).flat()).filter((key) =>
    UNSAFE.includes(key.split(' ')[0])
  )
}

test.group('CSRF on cookie sessions', (group) => {
  isolateEachTest(group)

  test('every unsafe route refuses a cookie session without a valid XSRF token, and changes nothing', async ({
    client,
    assert,
    cleanup,
  }) => {
    cleanup(() => EnvironmentProvisioner.settle())
    const world = await securityWorld(client)
    const victim = world.a.session
    const otherSessionsToken = decodeURIComponent(world.anonymous.cookies.get('XSRF-TOKEN')!)
    const problems: string[] = []
    const probes = []
    for (const key of unsafeRoutes()) {
      probes.push({ key, probe: await ROUTE_POLICIES[key].probe(world.fixtures, world.a) })
    }
    const before = await snapshotState()

    for (const { key, probe } of probes) {
      const [method] = key.split(' ')
      for (const [label, token] of [
        ['no token', null],
        ['a forged token', 'forged-token-value'],
        ["another session's token", otherSessionsToken],
      ] as const) {
        victim.sendCsrfHeader = false
        let request = victim.request(method as 'POST', probe.url)
        if (token) {
          request = request.header('X-XSRF-TOKEN', token)
        }
        const response = await (probe.form
          ? request.form(probe.form)
          : request.json((probe.body ?? {}) as object))
        // The IdP posts SAML messages cross-site: their signatures protect them instead.
        const expected = SIGNATURE_PROTECTED.includes(key) ? 401 : 403
        if (response.status() !== expected) {
          problems.push(
            `${key} with ${label}: ${response.status()} ${response.text().slice(0, 120)}`
          )
        } else if (expected === 403 && response.body().errors?.[0]?.code !== 'E_BAD_CSRF_TOKEN') {
          problems.push(`${key} with ${label}: ${response.text().slice(0, 120)}`)
        }
      }
    }
    victim.sendCsrfHeader = true
    assert.deepEqual(problems, [], problems.join('\n'))
    assert.deepEqual(stateDifferences(before, await snapshotState()), [])
    ;(await victim.get('/api/v1/me')).assertStatus(200)
  }).timeout(60_000)

  test('a bogus bearer header does not let a forged request ride the cookie session', async ({
    client,
    assert,
  }) => {
    const world = await securityWorld(client)
    const tokensBefore = (await world.a.session.get('/api/v1/auth/tokens')).body().meta.total
    const cookies = [...world.a.session.cookies].map(([name, value]) => `${name}=${value}`)

    // "Bearer …" skips the CSRF check, but then only the token can authenticate.
    const bearer = await rawRequest({
      method: 'POST',
      path: '/api/v1/auth/tokens',
      headers: {
        'Cookie': cookies.join('; '),
        'Authorization': 'Bearer not-a-token',
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ name: 'forged', expiresInDays: 1 }),
    })
    assert.equal(bearer.status, 401)

    // Any other scheme keeps the CSRF check.
    const basic = await rawRequest({
      method: 'POST',
      path: '/api/v1/auth/tokens',
      headers: {
        'Cookie': cookies.join('; '),
        'Authorization': 'Basic Zm9yZ2VkOmZvcmdlZA==',
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ name: 'forged', expiresInDays: 1 }),
    })
    assert.equal(basic.status, 403)
    assert.equal(basic.json.errors[0].code, 'E_BAD_CSRF_TOKEN')
    assert.equal((await world.a.session.get('/api/v1/auth/tokens')).body().meta.total, tokensBefore)
  })

  test('methods cannot be spoofed through _method or override headers', async ({
    client,
    assert,
  }) => {
    const world = await securityWorld(client)
    const id = await world.fixtures.environment(world.b, 'stopped')
    const spoofed = await rawRequest({
      method: 'POST',
      path: `/api/v1/environments/${id}?_method=DELETE`,
      headers: {
        'Authorization': `Bearer ${world.b.session.bearer}`,
        'X-HTTP-Method-Override': 'DELETE',
        'X-Method-Override': 'DELETE',
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ _method: 'DELETE' }),
    })
    assert.equal(spoofed.status, 404)
    assert.equal(spoofed.json.errors[0].code, 'E_ROUTE_NOT_FOUND')
    assert.equal((await Environment.findOrFail(id)).state, 'stopped')
  })
})

test.group('Open redirects', (group) => {
  isolateEachTest(group)
  const idp = trustedTestIdp()
  group.setup(async () => {
    await idp.start(testIdpPort())
    return () => idp.stop()
  })
  group.each.setup(() => idp.clearRecorded())

  const person: IdpUser = {
    nameId: 'persistent-redirects',
    attributes: { EAAHash: 'eaa-redirects', uid: 'redirects', mail: 'r@university.example' },
  }

  /**
   * Starts sign-in with `returnTo`, signs in at the IdP and posts its answer
   * to the ACS; null when the portal refused the returnTo straight away.
   */
  async function roundTrip(browser: ApiSession, returnTo: string) {
    idp.signInAs(person)
    const start = await browser.get(
      `/api/v1/auth/saml/login?returnTo=${encodeURIComponent(returnTo)}`
    )
    if (start.status() === 422) {
      return null
    }
    start.assertStatus(302)
    const page = await fetch(start.header('location')!, {
      redirect: 'manual',
      signal: AbortSignal.timeout(5000),
    })
    return browser.postForm('/api/v1/auth/saml/acs', parseAutoPostForm(await page.text()).fields)
  }

  test('the sign-in returnTo refuses every other origin, however it is spelled', async ({
    client,
    assert,
  }) => {
    // saml.spec.ts covers https://evil, //evil, javascript:, a suffixed host and another port.
    const browser = new ApiSession(client)
    const attempts = [
      '/\\evil.example/',
      '\\\\evil.example/',
      '/%2F%2Fevil.example/',
      '%2F%2Fevil.example',
      'https:%2F%2Fevil.example',
      'HTTPS://EVIL.EXAMPLE/',
      'http:evil.example',
      `http://${new URL(FRONTEND).host}@evil.example/`,
      'http://evil.example\\@127.0.0.1:5173/',
      `http://evil.example#${FRONTEND}`,
      `http://evil.example/?next=${FRONTEND}`,
      `https://${new URL(FRONTEND).host}/`,
      `http://user:secret@${new URL(FRONTEND).host}/`,
      'http://[::ffff:127.0.0.1]:5173/',
      'JaVaScRiPt:alert(1)//',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox(1)',
      ' //evil.example',
      '\t//evil.example',
      // Paths that only look same-origin: browsers drop tabs and newlines and read "\\" as "/".
      '/\t/evil.example',
      '/\n/evil.example',
      '/\r\n/evil.example/',
      '/%5Cevil.example',
      '/%5c%5cevil.example',
      '/%2f%2fevil.example',
      '/ /evil.example',
      '/app\\..\\..\\evil',
      '/%E0%A4%A',
      '',
    ]
    for (const returnTo of attempts) {
      const response = await browser.get(
        `/api/v1/auth/saml/login?returnTo=${encodeURIComponent(returnTo)}`
      )
      assert.equal(response.status(), 422, JSON.stringify(returnTo))
      assert.isUndefined(response.header('location'), returnTo)
    }
    assert.lengthOf(idp.authnRequests, 0)
  })

  test('a path on the portal, or a URL on its own origin, is a returnTo that lands there', async ({
    client,
    assert,
  }) => {
    for (const [returnTo, landing] of [
      ['/app', `${APP_ORIGIN}/app`],
      ['/app/x?y=1#z', `${APP_ORIGIN}/app/x?y=1#z`],
      ['/app/..%2F..%2Fx', `${APP_ORIGIN}/app/..%2F..%2Fx`],
      [`${APP_ORIGIN}/console`, `${APP_ORIGIN}/console`],
      [`${FRONTEND}/x`, `${FRONTEND}/x`],
    ]) {
      const acs = await roundTrip(new ApiSession(client), returnTo)
      assert.exists(acs, returnTo)
      acs!.assertStatus(303)
      assert.equal(acs!.header('location'), landing)
    }
  })

  test('a returnTo the URL parser puts on the frontend lands there after sign-in, CR/LF encoded', async ({
    client,
    assert,
  }) => {
    for (const returnTo of [
      `${FRONTEND}\\@evil.example/`,
      `${FRONTEND}/\r\nSet-Cookie: injected=1`,
      `${FRONTEND}/%0d%0aSet-Cookie:%20injected=1`,
      `\t${FRONTEND}/x`,
    ]) {
      const acs = await roundTrip(new ApiSession(client), returnTo)
      if (!acs) {
        continue
      }
      acs.assertStatus(303)
      const location = acs.header('location')!
      assert.notMatch(location, /[\r\n]/)
      assert.oneOf(new URL(location, APP_ORIGIN).origin, [FRONTEND, APP_ORIGIN], location)
      const cookies = [acs.headers()['set-cookie'] ?? []].flat().join('\n')
      assert.notInclude(cookies, 'injected')
    }
  })

  test("single logout's RelayState never sends the browser off the portal", async ({
    client,
    assert,
  }) => {
    const browser = new ApiSession(client)
    ;(await roundTrip(browser, `${FRONTEND}/`))!.assertStatus(303)
    const logout = await browser.post('/api/v1/auth/logout')
    logout.assertStatus(200)
    const request = new URL(logout.body().data.redirectUrl).searchParams.get('SAMLRequest')!
    const requestId = /\sID="([^"]+)"/.exec(decodeSamlRedirect(request))![1]

    // Even a message the IdP signed cannot choose where the portal sends the browser.
    const url = new URL(
      idp.createLogoutResponseUrl(samlConfig.sp.sloUrl, {
        inResponseTo: requestId,
        relayState: 'https://evil.example/',
      })
    )
    const done = await browser.get(url.pathname + url.search)
    done.assertStatus(302)
    assert.equal(done.header('location'), `${APP_ORIGIN}/`)
  })
})

test.group('Header injection and Host spoofing', (group) => {
  isolateEachTest(group)

  test('an X-Request-Id carrying line breaks or odd bytes is replaced or refused, never echoed', async ({
    assert,
  }) => {
    for (const value of ['abc%0d%0aSet-Cookie:%20x=1', 'ä-unicode', 'x'.repeat(129), 'a b', '']) {
      const response = await rawRequest({
        method: 'GET',
        path: '/health/live',
        headers: { 'X-Request-Id': Buffer.from(value).toString('latin1') },
      })
      assert.match(String(response.headers['x-request-id']), /^[0-9a-f-]{36}$/, value)
      assert.notProperty(response.headers, 'set-cookie')
    }
    // Raw bytes no client library sends: an obs-folded continuation, bare CR, bare LF.
    for (const separator of ['\r\n ', '\r', '\n\n']) {
      const answer = await rawExchange(
        `GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: abc${separator}Set-Cookie: injected=1\r\nConnection: close\r\n\r\n`
      )
      const [head] = answer.split('\r\n\r\n')
      assert.notMatch(head, /^set-cookie/im, JSON.stringify(separator))
      assert.notMatch(head, /^x-request-id: abc\s*$/im)
    }
  })

  test('a spoofed Host or X-Forwarded-Host never reaches a URL the portal builds', async ({
    assert,
  }) => {
    const spoofed = {
      'Host': 'evil.example',
      'X-Forwarded-Host': 'evil.example',
      'X-Forwarded-Proto': 'https',
      'Forwarded': 'host=evil.example;proto=https',
    }
    const login = await rawRequest({
      method: 'GET',
      path: '/api/v1/auth/saml/login',
      headers: spoofed,
    })
    assert.equal(login.status, 302)
    const location = new URL(String(login.headers.location))
    assert.equal(location.origin, new URL(samlConfig.idp.ssoUrl).origin)
    const authnRequest = decodeSamlRedirect(location.searchParams.get('SAMLRequest')!)
    assert.include(authnRequest, `AssertionConsumerServiceURL="${samlConfig.sp.acsUrl}"`)
    assert.notInclude(authnRequest, 'evil.example')

    for (const path of ['/api/v1/auth/saml/metadata', '/api/docs', '/api/v1/openapi.json']) {
      const response = await rawRequest({ method: 'GET', path, headers: spoofed })
      assert.equal(response.status, 200, path)
      assert.notInclude(response.text, 'evil.example', path)
    }
  })
})

test.group('Oversized and deeply nested bodies', (group) => {
  isolateEachTest(group)

  test('every JSON route refuses a body above the limit with a 413 JSON error', async ({
    client,
    assert,
  }) => {
    const world = await securityWorld(client)
    const oversized = JSON.stringify({ name: 'x'.repeat(300 * 1024) })
    for (const key of unsafeRoutes().filter((route) => !route.includes('/saml/'))) {
      const [method] = key.split(' ')
      const probe = await ROUTE_POLICIES[key].probe(world.fixtures, world.b)
      for (const chunked of [false, true]) {
        const response = await rawRequest({
          method,
          path: probe.url,
          headers: {
            'Authorization': `Bearer ${world.b.session.bearer}`,
            'Content-Type': 'application/json',
            ...(chunked ? { 'Transfer-Encoding': 'chunked' } : {}),
          },
          body: oversized,
        })
        assert.equal(response.status, 413, `${key}${chunked ? ' (chunked)' : ''}`)
        assert.deepEqual(response.json, {
          errors: [{ code: 'E_PAYLOAD_TOO_LARGE', message: 'Request body is too large' }],
        })
      }
    }
  }).timeout(60_000)

  test('the SAML endpoint refuses an oversized form with 413, and form bodies elsewhere too', async ({
    assert,
  }) => {
    const acs = await rawRequest({
      method: 'POST',
      path: '/api/v1/auth/saml/acs',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `SAMLResponse=${'A'.repeat(300 * 1024)}`,
    })
    assert.equal(acs.status, 413)
    const login = await rawRequest({
      method: 'POST',
      path: '/api/v1/auth/login',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `username=${'A'.repeat(300 * 1024)}`,
    })
    assert.equal(login.status, 413)
    assert.equal(login.json.errors[0].code, 'E_PAYLOAD_TOO_LARGE')
  })

  test('no nesting depth up to the body limit answers 5xx (a parse failure is a 400)', async ({
    client,
    assert,
  }) => {
    // Parsing and storing a body recurse; where the stack ends depends on the route.
    const world = await securityWorld(client)
    const depths = [
      ...Array.from({ length: 21 }, (_, index) => 1_000 + index * 250),
      50_000,
      120_000,
    ]
    for (const [path, headers] of [
      ['/api/v1/auth/login', {}],
      ['/api/v1/auth/tokens', { Authorization: `Bearer ${world.b.session.bearer}` }],
    ] as const) {
      for (const depth of depths) {
        const response = await rawRequest({
          method: 'POST',
          path,
          headers: { ...headers, 'Content-Type': 'application/json' },
          body: `{"name":${'['.repeat(depth)}${']'.repeat(depth)}}`,
        })
        assert.oneOf(response.status, [400, 403, 422], `${path} at depth ${depth}`)
        if (response.status === 400) {
          assert.equal(response.json.errors[0].code, 'E_INVALID_JSON')
        }
      }
    }
  })
})

test.group('Dataset mounts and sessions through the API', (group) => {
  isolateEachTest(group)

  test('encoded, look-alike and backslash escapes from the dataset root are never launchable', async ({
    client,
    assert,
    cleanup,
  }) => {
    cleanup(() => EnvironmentProvisioner.settle())
    const root = experimentsConfig.mountPolicy.datasetsRoot
    await mkdir(join(root, 'security', 'p1'), { recursive: true })
    cleanup(() => rm(join(root, 'security'), { recursive: true, force: true }))
    const admin = await createUser({ roles: ['admin'] })
    const browser = new ApiSession(client)
    await browser.login(admin.username, FACTORY_PASSWORD)
    const experiment = (
      await browser.post('/api/v1/admin/experiments', { proposalId: 'SEC-MOUNTS', title: 'Mounts' })
    ).body().data
    // The unit and integration suites cover "..", controls, relative paths and symlinks.
    const escapes = [
      `${root}/security/%2e%2e/%2e%2e/etc`,
      `${root}/security/..%2f..%2fetc`,
      `${root}/security/%252e%252e/etc`,
      `${root}/security/\u2025/etc`,
      `${root}/security/\uff0e\uff0e/etc`,
      `${root}/security/p1/..\\..\\..\\etc`,
      `${root}/security/....//....//etc`,
      `file://${root}/security/p1`,
      `${root}/security/p1\u0000/../../etc`,
    ]
    for (const [index, hostPath] of escapes.entries()) {
      const response = await browser.put(
        `/api/v1/admin/experiments/${experiment.id}/sessions/E${index}`,
        { dataSetPath: JSON.stringify({ [hostPath]: { bind: '/x', mode: 'ro' } }) }
      )
      response.assertStatus(201)
      assert.isFalse(response.body().data.launchable, hostPath)
      assert.deepEqual(response.body().data.mounts, [], hostPath)
    }

    // A member cannot launch such a session: nothing is reserved, nothing runs.
    ;(
      await browser.put(`/api/v1/admin/experiments/${experiment.id}/members/${admin.id}`, {})
    ).assertStatus(201)
    const image = await createHttpImage({ reference: UNSTARTABLE_REFERENCE })
    const session = await ExperimentSession.query()
      .where('experiment_id', experiment.id)
      .where('session_number', 'E0')
      .firstOrFail()
    const before = await snapshotState()
    const launch = await browser.post('/api/v1/environments', {
      imageId: image.id,
      sessionId: session.id,
    })
    launch.assertStatus(409)
    assert.equal(launch.body().errors[0].code, 'E_SESSION_NOT_LAUNCHABLE')
    assert.deepEqual(stateDifferences(before, await snapshotState()), [])
  }).timeout(30_000)

  test("another experiment's session answers exactly like a missing one, mountable or not", async ({
    client,
    assert,
  }) => {
    const world = await securityWorld(client)
    const image = await world.fixtures.unstartableImage()
    const experimentId = await world.fixtures.experiment(world.a, 'S1')
    const launchable = await ExperimentSession.findByOrFail('experiment_id', experimentId)
    const broken = await ExperimentSessionFactory.merge({
      experimentId,
      sessionNumber: 'S2',
      dataSetPath: '{"/etc": {"bind": "/etc"}}',
      mounts: { mounts: [], errors: [], launchable: false },
    }).create()

    const answers = []
    for (const sessionId of [launchable.id, broken.id, 2_000_000_000]) {
      const response = await world.b.session.post('/api/v1/environments', {
        imageId: image.id,
        sessionId,
      })
      answers.push({ status: response.status(), body: response.body() })
    }
    assert.equal(answers[0].status, 404)
    assert.deepEqual(answers[0], answers[2])
    assert.deepEqual(answers[1], answers[2])
  })
})

test.group('Response security headers', (group) => {
  isolateEachTest(group)

  test('cookie-session responses carry CSP, frame options, nosniff and HSTS', async ({
    client,
    assert,
  }) => {
    const browser = new ApiSession(client)
    for (const response of [
      await browser.get('/api/v1/auth/providers'),
      await browser.get('/api/v1/me'),
    ]) {
      const headers = response.headers()
      assert.equal(headers['x-content-type-options'], 'nosniff')
      assert.equal(headers['x-frame-options'], 'DENY')
      assert.include(headers['content-security-policy'], "default-src 'self'")
      assert.include(headers['content-security-policy'], "frame-ancestors 'none'")
      const maxAge = Number(/max-age=(\d+)/.exec(headers['strict-transport-security'] ?? '')?.[1])
      assert.isAtLeast(maxAge, 180 * 86_400)
    }
  })

  test('every response carries nosniff and frame options, whatever the route or credential, and names no server', async ({
    client,
    assert,
  }) => {
    const world = await securityWorld(client)
    const answers = {
      'health': await client.get('/health/live'),
      'docs page': await client.get('/api/docs'),
      'docs asset': await client.get('/api/docs/assets/init.js'),
      'OpenAPI document': await client.get('/api/v1/openapi.json'),
      'SAML metadata': await client.get('/api/v1/auth/saml/metadata'),
      'unknown route': await client.get('/api/v1/no-such-route'),
      'bearer answer': await world.b.session.get('/api/v1/me'),
      'bearer error': await world.b.session.request('GET', '/api/v1/environments/2000000000'),
    }
    for (const [where, response] of Object.entries(answers)) {
      const headers = response.headers()
      assert.equal(headers['x-content-type-options'], 'nosniff', where)
      assert.equal(headers['x-frame-options'], 'DENY', where)
      assert.notProperty(headers, 'server', where)
      assert.notProperty(headers, 'x-powered-by', where)
    }
  })

  test('the API reference page allows only its own scripts and cannot be framed', async ({
    client,
    assert,
  }) => {
    const page = await client.get('/api/docs')
    const csp = Object.fromEntries(
      page
        .header('content-security-policy')!
        .split(';')
        .map((directive) => directive.trim().split(/\s+/))
        .map(([name, ...values]) => [name, values])
    )
    const scripts: string[] = csp['script-src'] ?? csp['default-src']
    assert.deepEqual(scripts, ["'self'"])
    assert.deepEqual(csp['frame-ancestors'], ["'none'"])
    assert.notInclude(page.text(), '<script>')
    assert.notMatch(page.text(), /\son\w+=/i, 'no inline event handlers')
  })

  test('the session cookie is HttpOnly and SameSite; the XSRF cookie is SameSite', async ({
    client,
    assert,
  }) => {
    const user = await createUser()
    const browser = new ApiSession(client)
    await browser.get('/api/v1/auth/csrf')
    const login = await browser.post('/api/v1/auth/login', {
      username: user.username,
      password: FACTORY_PASSWORD,
    })
    const cookies = [login.headers()['set-cookie'] ?? []].flat()
    const session = cookies.find((cookie) => cookie.startsWith('portal-session='))!
    const xsrf = cookies.find((cookie) => cookie.startsWith('XSRF-TOKEN='))!
    assert.match(session, /;\s*HttpOnly/i)
    assert.match(session, /;\s*SameSite=(Lax|Strict)/i)
    assert.match(xsrf, /;\s*SameSite=(Lax|Strict)/i)
  })
})

test.group('CORS', (group) => {
  isolateEachTest(group)

  async function preflight(client: ApiClient, origin: string) {
    return client
      .options('/api/v1/auth/login')
      .header('Origin', origin)
      .header('Access-Control-Request-Method', 'POST')
      .header('Access-Control-Request-Headers', 'content-type,x-xsrf-token')
  }

  test('only the configured frontend origin gets credentialed cross-origin access', async ({
    client,
    assert,
  }) => {
    const allowed = await preflight(client, FRONTEND)
    assert.equal(allowed.header('access-control-allow-origin'), FRONTEND)
    assert.equal(allowed.header('access-control-allow-credentials'), 'true')

    const frontendHost = new URL(FRONTEND).host
    for (const origin of [
      'https://evil.example',
      'null',
      `http://${frontendHost}.evil.example`,
      `http://evil.${frontendHost}`,
      `https://${frontendHost}`,
      'http://127.0.0.1:5174',
      FRONTEND.toUpperCase(),
      `${FRONTEND}/`,
    ]) {
      for (const response of [
        await preflight(client, origin),
        await client.get('/api/v1/auth/providers').header('Origin', origin),
      ]) {
        assert.isUndefined(response.header('access-control-allow-origin'), origin)
        assert.isUndefined(response.header('access-control-allow-credentials'), origin)
      }
    }
  })
})

test.group('Sign-in throttling, whatever the request looks like', (group) => {
  isolateEachTest(group)

  test('spellings of the username and a bearer header share the one account counter', async ({
    client,
    assert,
  }) => {
    const user = await createUser({ username: 'throttled' })
    const world = await securityWorld(client)
    const attempts = [
      { session: new ApiSession(client), username: 'throttled' },
      { session: new ApiSession(client), username: ' THROTTLED ' },
      { session: world.b.session, username: 'Throttled' },
      { session: new ApiSession(client), username: 'throttled\t' },
      { session: world.b.session, username: 'tHrOtTlEd' },
    ]
    for (const { session, username } of attempts) {
      if (!session.bearer) {
        await session.get('/api/v1/auth/csrf')
      }
      const response = await session.post('/api/v1/auth/login', { username, password: 'wrong' })
      assert.equal(response.status(), 401, JSON.stringify(username))
    }
    const browser = new ApiSession(client)
    const locked = await browser.login(user.username, FACTORY_PASSWORD)
    locked.assertStatus(429)
    assert.isAbove(Number(locked.header('retry-after')), 0)
  })
})
