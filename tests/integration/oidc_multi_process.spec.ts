import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import { testDatabaseEnv } from '#tests/helpers/replica_env'
import { freePort, HttpBrowser, PortalProcess } from '#tests/helpers/portal_process'
import { TestOidcProvider } from '#tests/helpers/oidc_provider'

const FRONTEND = 'http://127.0.0.1:5173'
const BINDING = '__Host-portal-oidc-request'

/**
 * Two portal processes behind one public URL share MySQL and the app key:
 * an OpenID Connect sign-in started at one is completed at the other, once,
 * and only in the browser that started it; the real provider runs as a
 * process of its own.
 */
test.group('OpenID Connect across portal processes', () => {
  test('process B completes the sign-in process A started, in the same browser only, once, and the session is A’s too', async ({
    assert,
    cleanup,
  }) => {
    const publicUrl = `http://127.0.0.1:${await freePort()}`
    const redirectUri = `${publicUrl}/api/v1/auth/oidc/callback`
    const op = new TestOidcProvider(await freePort(), [
      {
        client_id: 'portal-replicas',
        client_secret: 'replicas-client-secret-0123456789',
        redirect_uris: [redirectUri],
        post_logout_redirect_uris: [`${publicUrl}/`],
      },
    ])
    await op.start()
    cleanup(() => op.stop())
    await op.signInAs({
      sub: 'sub-grace-multi',
      claims: { preferred_username: 'grace-multi', email: 'g@x.example', name: 'Grace' },
    })

    const shared = {
      ...testDatabaseEnv(),
      APP_KEY: 'shared-app-key-of-both-portal-processes-0123',
      APP_URL: publicUrl,
      FRONTEND_ORIGINS: FRONTEND,
      OIDC_ENABLED: 'true',
      OIDC_ISSUER: op.issuer,
      OIDC_CLIENT_ID: 'portal-replicas',
      OIDC_CLIENT_SECRET: 'replicas-client-secret-0123456789',
      OIDC_USERNAME_SCOPE: 'op.multi-process.test',
    }
    // One after the other: two boots at once do not fit in 30 s on a loaded 2-core machine.
    const processA = await PortalProcess.start(shared)
    cleanup(() => processA.stop())
    const processB = await PortalProcess.start(shared)
    cleanup(() => processB.stop())
    cleanup(async () => {
      await db.from('users').where('username', 'grace-multi@op.multi-process.test').delete()
    })

    const browserAtA = new HttpBrowser(processA.baseUrl)
    const start = await browserAtA.request(
      'GET',
      `/api/v1/auth/oidc/login?returnTo=${encodeURIComponent(FRONTEND + '/')}`
    )
    assert.equal(start.status, 302, String(start.body))
    const boundCookie = browserAtA.cookies.get(BINDING)
    assert.isDefined(boundCookie, 'the sign-in start binds the sign-in to the browser')
    const callback = await op.authorize(start.location!, redirectUri)
    const path = `${callback.pathname}${callback.search}`

    // Another browser bringing the same answer is refused by either process.
    for (const process of [processB, processA]) {
      const stranger = await new HttpBrowser(process.baseUrl).request('GET', path)
      assert.equal(stranger.status, 401)
    }

    // The same browser, its request routed to the other process.
    const browserAtB = new HttpBrowser(processB.baseUrl)
    browserAtB.cookies = new Map(browserAtA.cookies)
    const answer = await browserAtB.request('GET', path)
    assert.equal(answer.status, 303, String(answer.body))
    assert.equal(answer.location, `${FRONTEND}/`)

    // The session lives in the database: process A knows it too.
    const meAtA = new HttpBrowser(processA.baseUrl)
    meAtA.cookies = browserAtB.cookies
    const me = await meAtA.request('GET', '/api/v1/me')
    assert.equal(me.status, 200)
    assert.equal(me.body.data.username, 'grace-multi@op.multi-process.test')
    assert.equal(me.body.data.provider, 'oidc')

    // A replay carrying the binding cookie is refused at either process.
    for (const process of [processA, processB]) {
      const replaying = new HttpBrowser(process.baseUrl)
      replaying.cookies.set(BINDING, boundCookie!)
      const replay = await replaying.request('GET', path)
      assert.equal(replay.status, 401)
    }

    // Sign-out at A sends the browser to the provider's end-session endpoint.
    await meAtA.request('GET', '/api/v1/auth/csrf')
    const logout = await meAtA.request('POST', '/api/v1/auth/logout')
    assert.equal(logout.status, 200)
    assert.isTrue(String(logout.body.data.redirectUrl).startsWith(`${op.issuer}/session/end?`))
    assert.equal((await browserAtB.request('GET', '/api/v1/me')).status, 401)
  })
})
