import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from '@japa/runner'
import type { Assert } from '@japa/assert'
import app from '@adonisjs/core/services/app'
import { freePort, PortalProcess } from '#tests/helpers/portal_process'
import { scratchPortalDatabase } from '#tests/helpers/scratch_portal_database'
import { generateKeyPair } from '#tests/helpers/saml_idp'
import { LoopbackBrowser, type Page } from '#tests/helpers/loopback_browser'
import { SimpleSamlPhpIdp, simpleSamlPhpPort } from '#tests/helpers/simplesamlphp_idp'

/*
 * The portal against an IdP written by someone else: Debian's SimpleSAMLphp
 * (scripts/test.sh installs it), configured at test time and driven like a
 * browser over loopback. Fixtures written from the same reading as the
 * portal agree with the portal; this one does not have to.
 */

const ADMIN_ENTITLEMENT = 'urn:mace:facility.example:portal-admin'
const ADA = { username: 'ada', password: 'correct-horse-ada' }
const HTTP_REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect'
/** The web console's page, where sign-in and logout land the browser (console/dist, built by scripts/test.sh). */
const CONSOLE_PAGE = '<div id="app">'

/** The portal's metadata as an IdP that registered the SP when only HTTP-POST was published. */
function postOnlySlo(metadataXml: string) {
  const withoutRedirect = metadataXml.replace(
    new RegExp(`\\s*<SingleLogoutService Binding="${HTTP_REDIRECT}"[^>]*/>`),
    ''
  )
  if (withoutRedirect === metadataXml) {
    throw new Error('the metadata publishes no HTTP-Redirect SingleLogoutService')
  }
  return withoutRedirect
}

test.group('SimpleSAMLphp as the IdP', (group) => {
  const port = simpleSamlPhpPort()
  const dir = app.makePath('tmp', `simplesamlphp-${port}`)
  let idp: SimpleSamlPhpIdp
  let portal: PortalProcess
  let portalUrl: string
  let metadataXml: string
  let database: Awaited<ReturnType<typeof scratchPortalDatabase>>

  group.setup(async () => {
    SimpleSamlPhpIdp.assertInstalled()
    const portalPort = await freePort()
    portalUrl = `http://127.0.0.1:${portalPort}`
    idp = new SimpleSamlPhpIdp({
      dir: join(dir, 'idp'),
      port,
      trustedHosts: [`127.0.0.1:${portalPort}`],
      users: {
        [ADA.username]: {
          password: ADA.password,
          attributes: {
            eduPersonPrincipalName: ['ada@idp.example'],
            uid: ['ada'],
            mail: ['ada@university.example'],
            displayName: ['Ada Lovelace'],
            eduPersonEntitlement: ['urn:other', ADMIN_ENTITLEMENT],
          },
        },
      },
    })
    await idp.writeConfiguration()

    const sp = generateKeyPair('portal-for-simplesamlphp')
    await mkdir(join(dir, 'portal'), { recursive: true })
    await writeFile(join(dir, 'portal', 'sp.key'), sp.privateKeyPem, { mode: 0o600 })
    await writeFile(join(dir, 'portal', 'sp.crt'), sp.certificatePem)

    database = await scratchPortalDatabase('simplesamlphp')
    portal = await PortalProcess.start(
      {
        ...database.portalEnv,
        APP_KEY: 'simplesamlphp-test-app-key-0123456789abcdef',
        APP_URL: portalUrl,
        // Its reconciler must not take the test run's containers for its own.
        PORTAL_INSTANCE_ID: 'portal-simplesamlphp-test',
        SAML_ENABLED: 'true',
        SAML_LABEL: 'SimpleSAMLphp',
        SAML_IDP_ENTITY_ID: idp.entityId,
        SAML_IDP_SSO_URL: idp.ssoUrl,
        SAML_IDP_SLO_URL: idp.sloUrl,
        SAML_IDP_CERT: idp.certificatePath,
        SAML_SP_PRIVATE_KEY: join(dir, 'portal', 'sp.key'),
        SAML_SP_CERT: join(dir, 'portal', 'sp.crt'),
        SAML_ID_ATTRIBUTE: 'nameID',
        SAML_USERNAME_ATTRIBUTE: 'uid',
        // Federated usernames become uid@idp.example (the entity id is a loopback URL).
        SAML_USERNAME_SCOPE: 'idp.example',
        SAML_EMAIL_ATTRIBUTE: 'mail',
        SAML_DISPLAY_NAME_ATTRIBUTE: 'displayName',
        SAML_ROLE_ATTRIBUTE: 'eduPersonEntitlement',
        SAML_ADMIN_VALUES: ADMIN_ENTITLEMENT,
      },
      { port: portalPort }
    )

    // The SP as SimpleSAMLphp knows it: exactly what the portal publishes.
    const metadata = await fetch(`${portalUrl}/api/v1/auth/saml/metadata`)
    metadataXml = await metadata.text()
    await idp.registerSp(metadataXml)
    await idp.start()

    return async () => {
      await idp.stop()
      await portal.stop()
      await database.drop()
    }
  })

  group.each.setup(async () => {
    await idp.registerSp(metadataXml)
    await idp.setSignLogout(true)
  })

  /** Fails with everything needed to see where the round trip went wrong. */
  async function expectPage(
    assert: Assert,
    browser: LoopbackBrowser,
    page: Page,
    expected: { url: string; status?: number; includes?: string }
  ) {
    const where = `${page.method} ${page.url} → ${page.status}`
    const ok =
      page.url === expected.url &&
      page.status === (expected.status ?? 200) &&
      (!expected.includes || page.text.includes(expected.includes))
    if (!ok) {
      assert.fail(
        `expected ${expected.url} (${expected.status ?? 200}${
          expected.includes ? `, "${expected.includes}"` : ''
        }), ended at ${where}\n${page.text.slice(0, 600)}\n--- browser ---\n${browser.trail()}\n${await idp.diagnostics()}\n--- portal ---\n${portal.stdout.slice(-3000)}`
      )
    }
  }

  /** Portal sign-in → SimpleSAMLphp's login form → credentials → auto-post → ACS → portal page. */
  async function signIn(assert: Assert, browser: LoopbackBrowser) {
    const form = await browser.navigate(`${portalUrl}/api/v1/auth/saml/login`)
    await expectPage(assert, browser, form, {
      url: form.url,
      includes: 'name="password"',
    })
    assert.isTrue(form.url.startsWith(`${idp.baseUrl}/module.php/core/loginuserpass.php`))

    const autoPost = await browser.submit(form, ADA)
    await expectPage(assert, browser, autoPost, {
      url: autoPost.url,
      includes: `action="${portalUrl}/api/v1/auth/saml/acs"`,
    })
    const landing = await browser.submit(autoPost)
    await expectPage(assert, browser, landing, { url: `${portalUrl}/`, includes: CONSOLE_PAGE })
    assert.equal((await browser.xhr('GET', `${portalUrl}/api/v1/me`)).status, 200)
  }

  /** Back on the web console, signed out. */
  async function expectSignedOutOnConsole(assert: Assert, browser: LoopbackBrowser, page: Page) {
    await expectPage(assert, browser, page, { url: `${portalUrl}/`, includes: CONSOLE_PAGE })
    assert.equal((await browser.xhr('GET', `${portalUrl}/api/v1/me`)).status, 401)
  }

  async function startLogoutAtPortal(assert: Assert, browser: LoopbackBrowser) {
    const logout = await browser.xhr('POST', `${portalUrl}/api/v1/auth/logout`)
    assert.equal(logout.status, 200, JSON.stringify(logout.body))
    const redirectUrl: string = logout.body.data.redirectUrl
    assert.isTrue(redirectUrl.startsWith(`${idp.sloUrl}?SAMLRequest=`), redirectUrl)
    return redirectUrl
  }

  function sloRequests(browser: LoopbackBrowser, method: string, parameter: string) {
    return browser.history.filter(
      (page) =>
        page.method === method &&
        page.url.startsWith(`${portalUrl}/api/v1/auth/saml/slo`) &&
        (method === 'GET' ? page.url.includes(`${parameter}=`) : true)
    )
  }

  test('signs in through the SimpleSAMLphp login form and lands on the web console', async ({
    assert,
  }) => {
    const browser = new LoopbackBrowser()
    await signIn(assert, browser)

    const me = await browser.xhr('GET', `${portalUrl}/api/v1/me`)
    assert.equal(me.status, 200)
    assert.include(me.body.data, {
      username: 'ada@idp.example',
      email: 'ada@university.example',
      displayName: 'Ada Lovelace',
      provider: 'saml',
    })
    assert.deepEqual(me.body.data.roles, ['admin', 'scientist'])
    // SimpleSAMLphp's persistent NameID: a salted SHA-1 of eduPersonPrincipalName.
    const user = await database
      .connection()
      .from('users')
      .where('username', 'ada@idp.example')
      .firstOrFail()
    assert.match(user.external_id, /^[0-9a-f]{40}$/)
  })

  test('a response captured from one browser’s round trip signs nobody in in another; the first browser still completes it', async ({
    assert,
  }) => {
    const mallory = new LoopbackBrowser()
    const form = await mallory.navigate(`${portalUrl}/api/v1/auth/saml/login`)
    await expectPage(assert, mallory, form, { url: form.url, includes: 'name="password"' })
    const autoPost = await mallory.submit(form, ADA)
    await expectPage(assert, mallory, autoPost, {
      url: autoPost.url,
      includes: `action="${portalUrl}/api/v1/auth/saml/acs"`,
    })
    assert.isDefined(mallory.cookie('__Host-portal-saml-request'), mallory.trail())

    // A hostile page makes the victim's browser submit the captured auto-post form.
    const victim = new LoopbackBrowser()
    const refused = await victim.submit(autoPost)
    assert.equal(refused.status, 401, victim.trail())
    assert.equal(refused.url, `${portalUrl}/api/v1/auth/saml/acs`)
    assert.include(refused.contentType, 'text/html')
    assert.equal((await victim.xhr('GET', `${portalUrl}/api/v1/me`)).status, 401)

    // The SameSite=None cookie rides along on SimpleSAMLphp's cross-site POST.
    const landing = await mallory.submit(autoPost)
    await expectPage(assert, mallory, landing, { url: `${portalUrl}/`, includes: CONSOLE_PAGE })
    assert.equal((await mallory.xhr('GET', `${portalUrl}/api/v1/me`)).status, 200)
    assert.isUndefined(mallory.cookie('__Host-portal-saml-request'), 'used up')
  })

  test('sign-out at the portal ends the SimpleSAMLphp session too (HTTP-Redirect) and lands on the web console', async ({
    assert,
  }) => {
    const browser = new LoopbackBrowser()
    await signIn(assert, browser)
    const redirectUrl = await startLogoutAtPortal(assert, browser)
    assert.equal((await browser.xhr('GET', `${portalUrl}/api/v1/me`)).status, 401)

    const end = await browser.navigate(redirectUrl, `${portalUrl}/`)
    await expectSignedOutOnConsole(assert, browser, end)
    assert.lengthOf(sloRequests(browser, 'GET', 'SAMLResponse'), 1, browser.trail())

    // SimpleSAMLphp forgot the person: signing in asks for the password again.
    const again = await browser.navigate(`${portalUrl}/api/v1/auth/saml/login`)
    assert.include(again.text, 'name="password"')
  })

  test('logout started at SimpleSAMLphp ends the portal session (HTTP-Redirect)', async ({
    assert,
  }) => {
    const browser = new LoopbackBrowser()
    await signIn(assert, browser)

    const end = await browser.navigate(
      `${idp.sloUrl}?ReturnTo=${encodeURIComponent(`${portalUrl}/`)}`
    )
    await expectSignedOutOnConsole(assert, browser, end)
    assert.lengthOf(sloRequests(browser, 'GET', 'SAMLRequest'), 1, browser.trail())
    assert.equal((await browser.xhr('GET', `${portalUrl}/api/v1/me`)).status, 401)
    const event = await database
      .connection()
      .from('audit_events')
      .where('action', 'auth.logout')
      .orderBy('id', 'desc')
      .firstOrFail()
    assert.equal(event.outcome, 'success')
    assert.include(String(event.details), '"initiatedBy":"idp"')
  })

  test('an IdP that registered only HTTP-POST single logout: both directions work, cross-site, without the portal cookie', async ({
    assert,
  }) => {
    await idp.registerSp(postOnlySlo(metadataXml))

    // Started at the portal: SimpleSAMLphp answers with an auto-posted LogoutResponse.
    const first = new LoopbackBrowser()
    await signIn(assert, first)
    const posted = await first.navigate(await startLogoutAtPortal(assert, first), `${portalUrl}/`)
    await expectPage(assert, first, posted, {
      url: posted.url,
      includes: `action="${portalUrl}/api/v1/auth/saml/slo"`,
    })
    assert.include(posted.text, 'name="SAMLResponse"')
    const landed = await first.submit(posted)
    await expectSignedOutOnConsole(assert, first, landed)

    // Started at SimpleSAMLphp: it auto-posts a LogoutRequest, which carries no portal cookie.
    const second = new LoopbackBrowser()
    await signIn(assert, second)
    const request = await second.navigate(
      `${idp.sloUrl}?ReturnTo=${encodeURIComponent(`${portalUrl}/`)}`
    )
    await expectPage(assert, second, request, {
      url: request.url,
      includes: `action="${portalUrl}/api/v1/auth/saml/slo"`,
    })
    assert.include(request.text, 'name="SAMLRequest"')
    const end = await second.submit(request)
    await expectSignedOutOnConsole(assert, second, end)
    assert.equal((await second.xhr('GET', `${portalUrl}/api/v1/me`)).status, 401)
    assert.lengthOf(sloRequests(second, 'POST', 'SAMLRequest'), 1, second.trail())
  })

  test("SimpleSAMLphp's unsigned logout messages (its default) are refused", async ({ assert }) => {
    await idp.setSignLogout(false)
    const browser = new LoopbackBrowser()
    await signIn(assert, browser)

    const refused = await browser.navigate(
      `${idp.sloUrl}?ReturnTo=${encodeURIComponent(`${portalUrl}/`)}`
    )
    assert.equal(refused.status, 401, browser.trail())
    assert.isTrue(refused.url.startsWith(`${portalUrl}/api/v1/auth/saml/slo?SAMLRequest=`))
    assert.include(refused.contentType, 'text/html')
    assert.equal((await browser.xhr('GET', `${portalUrl}/api/v1/me`)).status, 200)
  })
})
