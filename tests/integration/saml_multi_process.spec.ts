import { resolve } from 'node:path'
import { test } from '@japa/runner'
import { testDatabaseEnv } from '#tests/helpers/replica_env'
import db from '@adonisjs/lucid/services/db'
import { freePort, HttpBrowser, PortalProcess } from '#tests/helpers/portal_process'
import { parseAutoPostForm, TestIdp } from '#tests/helpers/saml_idp'
import { TEST_SAML_FOLDER } from '#tests/helpers/test_saml'
import { readFileSync } from 'node:fs'

const FRONTEND = 'http://127.0.0.1:5173'

/**
 * Two portal processes behind one public URL share MySQL: a SAML response
 * to a request issued by one process is accepted by the other, once, and
 * only from the browser that started the sign-in (its binding cookie,
 * signed with the app key both processes share); sign-in starts are
 * throttled per address in the shared database.
 */
test.group('SAML across portal processes', () => {
  test('process B accepts the response to process A’s request from the same browser, neither accepts it twice, and both count sign-in starts together', async ({
    assert,
    cleanup,
  }) => {
    const publicPort = await freePort()
    const publicUrl = `http://127.0.0.1:${publicPort}`
    const idp = new TestIdp({
      entityId: 'https://idp.multi-process.test',
      keys: {
        privateKeyPem: readFileSync(`${TEST_SAML_FOLDER}/idp.key`, 'utf8'),
        certificatePem: readFileSync(`${TEST_SAML_FOLDER}/idp.crt`, 'utf8'),
      },
      spCertificatePem: readFileSync(`${TEST_SAML_FOLDER}/sp.crt`, 'utf8'),
    })
    await idp.start(0)
    cleanup(() => idp.stop())
    idp.signInAs({
      nameId: 'grace-persistent',
      attributes: { uid: 'grace-multi', mail: 'g@x.example' },
    })

    const shared = {
      ...testDatabaseEnv(),
      APP_KEY: 'shared-app-key-of-both-portal-processes-0123',
      APP_URL: publicUrl,
      FRONTEND_ORIGINS: FRONTEND,
      SAML_ENABLED: 'true',
      SAML_IDP_ENTITY_ID: idp.entityId,
      SAML_IDP_SSO_URL: idp.ssoUrl,
      SAML_IDP_CERT: resolve(TEST_SAML_FOLDER, 'idp.crt'),
      SAML_SP_PRIVATE_KEY: resolve(TEST_SAML_FOLDER, 'sp.key'),
      SAML_SP_CERT: resolve(TEST_SAML_FOLDER, 'sp.crt'),
      SAML_ID_ATTRIBUTE: 'nameID',
      SAML_USERNAME_ATTRIBUTE: 'uid',
      SAML_EMAIL_ATTRIBUTE: 'mail',
      SAML_LOGIN_THROTTLE_ATTEMPTS: '4',
    }
    const [processA, processB] = await Promise.all([
      PortalProcess.start(shared),
      PortalProcess.start(shared),
    ])
    cleanup(() => processA.stop())
    cleanup(() => processB.stop())
    cleanup(async () => {
      await db.from('users').where('username', 'grace-multi@idp.multi-process.test').delete()
    })

    const browserAtA = new HttpBrowser(processA.baseUrl)
    const start = await browserAtA.request(
      'GET',
      `/api/v1/auth/saml/login?returnTo=${encodeURIComponent(FRONTEND + '/')}`
    )
    assert.equal(start.status, 302)
    const page = await fetch(start.location!, { signal: AbortSignal.timeout(5000) })
    const form = parseAutoPostForm(await page.text())
    assert.equal(form.action, `${publicUrl}/api/v1/auth/saml/acs`)

    const boundCookie = browserAtA.cookies.get('__Host-portal-saml-request')
    assert.isDefined(boundCookie, 'the sign-in start binds the request to the browser')

    // Another browser posting the same response is refused by either process.
    for (const process of [processB, processA]) {
      const stranger = await new HttpBrowser(process.baseUrl).postForm(
        '/api/v1/auth/saml/acs',
        form.fields
      )
      assert.equal(stranger.status, 401)
    }

    // The same browser, its request routed to the other process.
    const browserAtB = new HttpBrowser(processB.baseUrl)
    browserAtB.cookies = new Map(browserAtA.cookies)
    const acs = await browserAtB.postForm('/api/v1/auth/saml/acs', form.fields)
    assert.equal(acs.status, 303, String(acs.body))
    assert.equal(acs.location, `${FRONTEND}/`)

    // The session lives in the database: process A knows it too.
    const meAtA = new HttpBrowser(processA.baseUrl)
    meAtA.cookies = browserAtB.cookies
    const me = await meAtA.request('GET', '/api/v1/me')
    assert.equal(me.status, 200)
    // A federated name, in the IdP's namespace (the host of its entity id).
    assert.equal(me.body.data.username, 'grace-multi@idp.multi-process.test')

    // A replay carrying the binding cookie is still refused, at either process.
    for (const process of [processA, processB]) {
      const replaying = new HttpBrowser(process.baseUrl)
      replaying.cookies.set('__Host-portal-saml-request', boundCookie!)
      const replay = await replaying.postForm('/api/v1/auth/saml/acs', form.fields)
      assert.equal(replay.status, 401)
    }

    // Sign-in starts from one address count in the shared database, whichever process serves them.
    const address = `203.0.113.${1 + Math.floor(Math.random() * 250)}`
    cleanup(async () => {
      await db
        .connection('counters')
        .from('rate_limits')
        .where('key', 'like', `%${address}`)
        .delete()
    })
    const starts = []
    for (const process of [processA, processB, processA, processB, processA, processB]) {
      const answer = await fetch(`${process.baseUrl}/api/v1/auth/saml/login`, {
        headers: { 'x-forwarded-for': address },
        redirect: 'manual',
        signal: AbortSignal.timeout(5000),
      })
      starts.push({ status: answer.status, retryAfter: answer.headers.get('retry-after') })
    }
    assert.deepEqual(
      starts.map((answer) => answer.status),
      [302, 302, 302, 302, 429, 429]
    )
    assert.isAbove(Number(starts[4].retryAfter), 0)
  })
})
