import { test } from '@japa/runner'
import User from '#models/user'
import UserRole from '#models/user_role'
import AuditEvent from '#models/audit_event'
import oidcConfig from '#config/oidc'
import OidcClient from '#services/auth/oidc/oidc_client'
import { oidcExternalId } from '#services/auth/oidc/oidc_identity_mapper'
import { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'
import { testOidcProvider as op } from '#tests/helpers/test_oidc'
import type { IdTokenMode, OpPerson } from '#tests/helpers/oidc_provider'
import { freePort } from '#tests/helpers/portal_process'

const FRONTEND = 'http://127.0.0.1:5173'
/** Federated usernames carry OIDC_USERNAME_SCOPE (.env.test). */
const SCOPE = 'op.test.example'
const ADA = `ada@${SCOPE}`
const BINDING = '__Host-portal-oidc-request'

function person(overrides: Partial<OpPerson['claims']> = {}, sub = 'sub-ada-4711'): OpPerson {
  return {
    sub,
    claims: {
      preferred_username: 'ada',
      email: 'ada@university.example',
      email_verified: true,
      name: 'Ada Lovelace',
      ...overrides,
    },
  }
}

/** Starts sign-in at the portal; returns the provider URL the browser is sent to. */
async function startSignIn(browser: ApiSession, returnTo = `${FRONTEND}/experiments`) {
  const start = await browser.get(
    `/api/v1/auth/oidc/login?returnTo=${encodeURIComponent(returnTo)}`
  )
  start.assertStatus(302)
  const location = start.header('location')!
  if (!location.startsWith(`${op.issuer}/`)) {
    throw new Error(`expected a redirect to the provider, got ${location}`)
  }
  return new URL(location)
}

/** The provider's answer for `who`, as the URL it sends the browser back to. */
async function answerFor(browser: ApiSession, who: OpPerson, returnTo?: string) {
  await op.signInAs(who)
  const authorization = await startSignIn(browser, returnTo)
  const callback = await op.authorize(authorization.toString(), oidcConfig.redirectUri)
  return { authorization, callback }
}

function callbackPath(callback: URL) {
  return `${callback.pathname}${callback.search}`
}

async function signIn(browser: ApiSession, who: OpPerson) {
  const { callback } = await answerFor(browser, who)
  const answer = await browser.get(callbackPath(callback))
  answer.assertStatus(303)
  return answer
}

async function assertRefused(browser: ApiSession, path: string, status = 401) {
  const response = await browser.get(path)
  response.assertStatus(status)
  if (!response.header('content-type')?.includes('text/html')) {
    throw new Error('expected an HTML error page')
  }
  ;(await browser.get('/api/v1/me')).assertStatus(401)
  return response
}

async function failures() {
  return AuditEvent.query().where('action', 'auth.oidc').where('outcome', 'failure')
}

test.group('OpenID Connect sign-in', (group) => {
  isolateEachTest(group)
  group.each.setup(async () => {
    await op.idTokens('genuine')
    return () => op.idTokens('genuine')
  })

  test('round trip: portal → provider → callback → session → /me, with PKCE, state and nonce', async ({
    client,
    assert,
  }) => {
    const browser = new ApiSession(client)
    const { authorization, callback } = await answerFor(browser, person())

    const sent = authorization.searchParams
    assert.equal(sent.get('response_type'), 'code')
    assert.equal(sent.get('client_id'), oidcConfig.clientId)
    assert.equal(sent.get('redirect_uri'), oidcConfig.redirectUri)
    assert.equal(sent.get('code_challenge_method'), 'S256')
    assert.match(sent.get('code_challenge')!, /^[\w-]{43}$/)
    assert.match(sent.get('state')!, /^[\w-]{43}$/)
    assert.match(sent.get('nonce')!, /^[\w-]{43}$/)
    assert.include(sent.get('scope')!.split(' '), 'openid')
    assert.isNull(sent.get('code_verifier'), 'the verifier never leaves the portal and browser')
    assert.equal(
      callback.searchParams.get('iss'),
      op.issuer,
      'the provider names itself (RFC 9207)'
    )

    const answer = await browser.get(callbackPath(callback))
    answer.assertStatus(303)
    assert.equal(answer.header('location'), `${FRONTEND}/experiments`)
    assert.isUndefined(browser.cookies.get(BINDING), 'the binding cookie is cleared once used')

    const me = await browser.get('/api/v1/me')
    me.assertStatus(200)
    assert.include(me.body().data, {
      username: ADA,
      email: 'ada@university.example',
      displayName: 'Ada Lovelace',
      provider: 'oidc',
    })
    const user = await User.findByOrFail('username', ADA)
    assert.equal(user.externalId, oidcExternalId(op.issuer, 'sub-ada-4711'))
    const event = await AuditEvent.query().where('action', 'auth.oidc').firstOrFail()
    assert.equal(event.outcome, 'success')
    assert.equal(event.objectId, String(user.id))
  })

  test('the provider list offers the OpenID Connect button', async ({ client, assert }) => {
    const response = await new ApiSession(client).get('/api/v1/auth/providers')
    response.assertStatus(200)
    assert.deepEqual(response.body().data.oidc, {
      enabled: true,
      label: 'Facility ID',
      loginUrl: '/api/v1/auth/oidc/login',
    })
  })

  test('the binding cookie is __Host-, Secure, HttpOnly, SameSite=Lax, encrypted, and lives as long as a sign-in', async ({
    client,
    assert,
  }) => {
    const start = await new ApiSession(client).request('GET', '/api/v1/auth/oidc/login')
    assert.equal(start.status(), 302)
    const cookie = [start.headers()['set-cookie'] ?? []]
      .flat()
      .find((line: string) => line.startsWith(`${BINDING}=`))
    assert.isDefined(cookie, 'the sign-in start sets the binding cookie')
    const [pair, ...attributes] = cookie!.split(/;\s*/)
    for (const expected of ['HttpOnly', 'Secure', 'SameSite=Lax', 'Path=/']) {
      assert.include(attributes, expected)
    }
    assert.include(attributes, `Max-Age=${oidcConfig.requestTtlMs / 1000}`)
    assert.isFalse(attributes.some((attribute) => /^Domain=/i.test(attribute)))
    const state = new URL(start.header('location')!).searchParams.get('state')!
    const raw = decodeURIComponent(pair.split('=').slice(1).join('='))
    assert.notInclude(raw, state, 'the cookie is encrypted, not merely signed')
    assert.notInclude(Buffer.from(raw.split('.')[1] ?? '', 'base64url').toString(), state)
  })

  test('a returnTo on another origin is refused before anything is stored', async ({ client }) => {
    const browser = new ApiSession(client)
    const response = await browser.request(
      'GET',
      `/api/v1/auth/oidc/login?returnTo=${encodeURIComponent('https://evil.example/')}`
    )
    response.assertStatus(422)
  })

  test('the provider’s claims grant the admin role, and take it back at the next sign-in', async ({
    client,
    assert,
  }) => {
    const browser = new ApiSession(client)
    await signIn(browser, person({ groups: ['staff', 'portal-admins'] }))
    const me = await browser.get('/api/v1/me')
    assert.include(me.body().data.roles, 'admin')
    const user = await User.findByOrFail('username', ADA)
    const role = await UserRole.query()
      .where('user_id', user.id)
      .where('role', 'admin')
      .firstOrFail()
    assert.equal(role.source, 'oidc')
    ;(await browser.get('/api/v1/admin/users')).assertStatus(200)

    const later = new ApiSession(client)
    await signIn(later, person({ groups: ['staff'] }))
    assert.notInclude((await later.get('/api/v1/me')).body().data.roles, 'admin')
    ;(await later.get('/api/v1/admin/users')).assertStatus(403)
  })

  test('an admin role the provider gave lapses in sessions older than OIDC_ADMIN_MAX_AGE', async ({
    client,
    assert,
    cleanup,
  }) => {
    const browser = new ApiSession(client)
    await signIn(browser, person({ groups: 'portal-admins' }))
    ;(await browser.get('/api/v1/admin/users')).assertStatus(200)
    const maxAge = oidcConfig.adminMaxAgeMs
    cleanup(() => {
      oidcConfig.adminMaxAgeMs = maxAge
    })
    oidcConfig.adminMaxAgeMs = 0
    ;(await browser.get('/api/v1/admin/users')).assertStatus(403)
    assert.notInclude((await browser.get('/api/v1/me')).body().data.roles, 'admin')
  })

  test('accounts are linked by issuer and sub: a new username keeps the account, a second person cannot take the name', async ({
    client,
    assert,
  }) => {
    await signIn(new ApiSession(client), person())
    const ada = await User.findByOrFail('username', ADA)

    // Someone else at the provider calls themselves "ada" too.
    const impostor = new ApiSession(client)
    await signIn(impostor, person({ name: 'Not Ada' }, 'sub-someone-else'))
    const impostorName = (await impostor.get('/api/v1/me')).body().data.username
    assert.notEqual(impostorName, ADA)
    assert.match(impostorName, new RegExp(`^fed-[0-9a-f]{16}@${SCOPE.replace(/\./g, '\\.')}$`))

    // Ada renames herself at the provider: same account, same sub.
    const again = new ApiSession(client)
    await signIn(again, person({ preferred_username: 'ada.lovelace' }))
    const me = (await again.get('/api/v1/me')).body().data
    assert.equal(me.id, ada.id)
    assert.lengthOf(await User.query().where('provider', 'oidc'), 2)
  })

  test('a federated name never takes a local account’s name', async ({ client, assert }) => {
    const { UserFactory } = await import('#database/factories/user_factory')
    await UserFactory.merge({ username: ADA, provider: 'local' }).create()
    const browser = new ApiSession(client)
    await signIn(browser, person())
    const me = (await browser.get('/api/v1/me')).body().data
    assert.notEqual(me.username, ADA)
    assert.equal(me.provider, 'oidc')
  })

  for (const mode of [
    'tampered',
    'expired',
    'wrong-audience',
    'wrong-issuer',
    'foreign-key',
  ] satisfies IdTokenMode[]) {
    test(`an ID token that is ${mode} signs nobody in`, async ({ client, assert }) => {
      const browser = new ApiSession(client)
      const { callback } = await answerFor(browser, person())
      await op.idTokens(mode)
      const refused = await assertRefused(browser, callbackPath(callback))
      assert.include(refused.text(), 'E_OIDC_REJECTED')
      assert.lengthOf(await User.query().where('provider', 'oidc'), 0)
      const [event] = await failures()
      assert.equal(event.details?.reason, 'E_OIDC_REJECTED')
    })
  }

  test('an answer replayed after the sign-in (same state and code, same cookie) is refused', async ({
    client,
    assert,
  }) => {
    const browser = new ApiSession(client)
    const { callback } = await answerFor(browser, person())
    const bindingCookie = browser.cookies.get(BINDING)!
    ;(await browser.get(callbackPath(callback))).assertStatus(303)

    // The attacker kept the browser's cookie and the URL.
    const replay = new ApiSession(client)
    replay.cookies.set(BINDING, bindingCookie)
    await assertRefused(replay, callbackPath(callback))
    const [event] = await failures()
    assert.include(String(event.details?.detail), 'already used')
  })

  test('an answer captured from another browser’s sign-in signs nobody in there (login CSRF)', async ({
    client,
    assert,
  }) => {
    const mallory = new ApiSession(client)
    const { callback } = await answerFor(
      mallory,
      person({ preferred_username: 'mallory' }, 'sub-m')
    )

    const victim = new ApiSession(client)
    await assertRefused(victim, callbackPath(callback))
    const busyVictim = new ApiSession(client)
    await startSignIn(busyVictim)
    await assertRefused(busyVictim, callbackPath(callback))
    assert.lengthOf(await User.query().where('provider', 'oidc'), 0)

    // The refusals used nothing up: the browser that started it completes it.
    ;(await mallory.get(callbackPath(callback))).assertStatus(303)
    assert.equal((await mallory.get('/api/v1/me')).body().data.username, `mallory@${SCOPE}`)
  })

  test('an ID token carrying the nonce of an earlier sign-in is refused (nonce replay)', async ({
    client,
    assert,
  }) => {
    const browser = new ApiSession(client)
    const earlier = await answerFor(browser, person())
    ;(await browser.get(callbackPath(earlier.callback))).assertStatus(303)
    const oldNonce = earlier.authorization.searchParams.get('nonce')!

    // A new sign-in, whose request reaches the provider with the old nonce.
    const victim = new ApiSession(client)
    await op.signInAs(person())
    const authorization = await startSignIn(victim)
    authorization.searchParams.set('nonce', oldNonce)
    const callback = await op.authorize(authorization.toString(), oidcConfig.redirectUri)
    await assertRefused(victim, callbackPath(callback))
    const [event] = await failures()
    assert.include(String(event.details?.detail), 'nonce')
  })

  test('an answer naming another issuer is refused (mix-up)', async ({ client, assert }) => {
    const browser = new ApiSession(client)
    const { callback } = await answerFor(browser, person())
    callback.searchParams.set('iss', 'https://attacker.example')
    await assertRefused(browser, callbackPath(callback))
    const [event] = await failures()
    assert.equal(event.details?.reason, 'E_OIDC_REJECTED')
  })

  test('an answer carrying an error from the provider is refused and audited', async ({
    client,
    assert,
  }) => {
    const browser = new ApiSession(client)
    const authorization = await startSignIn(browser)
    const state = authorization.searchParams.get('state')!
    await assertRefused(
      browser,
      `/api/v1/auth/oidc/callback?error=access_denied&state=${state}&iss=${encodeURIComponent(op.issuer)}`
    )
    const [event] = await failures()
    assert.include(String(event.details?.detail), 'access_denied')
  })

  test('sign-out ends the session and sends the browser to the provider’s end_session_endpoint', async ({
    client,
    assert,
  }) => {
    const browser = new ApiSession(client)
    await signIn(browser, person())
    const logout = await browser.post('/api/v1/auth/logout')
    logout.assertStatus(200)
    const url = new URL(logout.body().data.redirectUrl)
    assert.equal(`${url.origin}${url.pathname}`, `${op.issuer}/session/end`)
    assert.equal(url.searchParams.get('client_id'), oidcConfig.clientId)
    assert.equal(url.searchParams.get('post_logout_redirect_uri'), oidcConfig.postLogoutRedirectUrl)
    assert.match(url.searchParams.get('id_token_hint')!, /^[\w-]+\.[\w-]+\.[\w-]+$/)
    ;(await browser.get('/api/v1/me')).assertStatus(401)

    // The provider accepts the request (its sign-out confirmation page).
    const page = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(5000) })
    assert.equal(page.status, 200)
  })

  test('a provider that cannot be reached is a 503 page, not a hang or a 500', async ({
    client,
    assert,
    cleanup,
  }) => {
    const issuer = oidcConfig.issuer
    cleanup(() => {
      oidcConfig.issuer = issuer
      OidcClient.forgetDiscovery()
    })
    oidcConfig.issuer = `http://127.0.0.1:${await freePort()}`
    OidcClient.forgetDiscovery()
    const started = Date.now()
    const response = await new ApiSession(client).request('GET', '/api/v1/auth/oidc/login')
    response.assertStatus(503)
    assert.include(response.text(), 'E_OIDC_UNAVAILABLE')
    assert.isBelow(Date.now() - started, (oidcConfig.timeoutSeconds + 2) * 1000)
  })

  test('with OpenID Connect disabled its routes are 404 and the provider list says so', async ({
    client,
    assert,
    cleanup,
  }) => {
    cleanup(() => {
      oidcConfig.enabled = true
    })
    oidcConfig.enabled = false
    const browser = new ApiSession(client)
    ;(await browser.request('GET', '/api/v1/auth/oidc/login')).assertStatus(404)
    ;(await browser.request('GET', '/api/v1/auth/oidc/callback?state=x&code=y')).assertStatus(404)
    const providers = await browser.get('/api/v1/auth/providers')
    assert.deepEqual(providers.body().data.oidc, { enabled: false })
  })

  test('sign-in starts are throttled per client address', async ({ client, assert, cleanup }) => {
    const attempts = oidcConfig.loginThrottle.attempts
    cleanup(() => {
      oidcConfig.loginThrottle.attempts = attempts
    })
    oidcConfig.loginThrottle.attempts = 2
    const browser = new ApiSession(client)
    await startSignIn(browser)
    await startSignIn(browser)
    const refused = await browser.request('GET', '/api/v1/auth/oidc/login')
    refused.assertStatus(429)
    assert.isAbove(Number(refused.header('retry-after')), 0)
  })
})
