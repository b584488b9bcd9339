import { createHash } from 'node:crypto'
import { test } from '@japa/runner'
import type { ApiClient } from '@japa/api-client'
import db from '@adonisjs/lucid/services/db'
import User from '#models/user'
import UserRole from '#models/user_role'
import AuditEvent from '#models/audit_event'
import samlConfig from '#config/saml'
import portalConfig from '#config/portal'
import { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'
import { testUserOffice } from '#tests/helpers/test_user_office'
import { trustedTestIdp, testIdpPort } from '#tests/helpers/test_saml'
import { UserFactory, UserRoleFactory } from '#database/factories/user_factory'
import {
  decodeSamlPost,
  decodeSamlRedirect,
  encodeSamlPost,
  generateKeyPair,
  namedSignatureWrappingVariants,
  parseAutoPostForm,
  type IdpUser,
  type TestIdp,
} from '#tests/helpers/saml_idp'

const FRONTEND = 'http://127.0.0.1:5173'
const ADMIN_ENTITLEMENT = 'urn:mace:facility.example:portal-admin'
/** Federated usernames carry the IdP's scope (.env.test: SAML_IDP_ENTITY_ID's host). */
const SCOPE = 'idp.test.example'
const ADA = `ada@${SCOPE}`

/** The name a federated account falls back to: derived from its immutable id. */
function idDerivedName(persistentId: string) {
  return `fed-${createHash('sha256').update(persistentId).digest('hex').slice(0, 16)}@${SCOPE}`
}

const idp: TestIdp = trustedTestIdp()

function person(overrides: Partial<IdpUser> = {}): IdpUser {
  return {
    nameId: 'persistent-4711',
    attributes: {
      EAAHash: 'eaa-hash-4711',
      uid: 'ada',
      mail: 'ada@university.example',
      displayName: 'Ada Lovelace',
    },
    ...overrides,
  }
}

/** Starts sign-in at the portal and lets the IdP answer; returns the form the browser would post. */
async function signInAtIdp(
  browser: ApiSession,
  user: IdpUser,
  returnTo = `${FRONTEND}/experiments`
) {
  idp.signInAs(user)
  const start = await browser.get(
    `/api/v1/auth/saml/login?returnTo=${encodeURIComponent(returnTo)}`
  )
  start.assertStatus(302)
  const location = start.header('location')!
  if (!location.startsWith(idp.ssoUrl)) {
    throw new Error(`expected a redirect to the IdP, got ${location}`)
  }
  const page = await fetch(location, { redirect: 'manual', signal: AbortSignal.timeout(5000) })
  if (page.status !== 200) {
    throw new Error(`IdP answered ${page.status}: ${await page.text()}`)
  }
  return parseAutoPostForm(await page.text())
}

/** The last AuthnRequest's id and RelayState, for hand-made responses. */
async function pendingRequest(client: ApiClient) {
  const browser = new ApiSession(client)
  const form = await signInAtIdp(browser, person())
  const request = idp.authnRequests.at(-1)!
  return { browser, relayState: form.fields.RelayState, requestId: request.id }
}

function responseFor(requestId: string | null, overrides: Record<string, unknown> = {}) {
  return {
    inResponseTo: requestId,
    destination: samlConfig.sp.acsUrl,
    audience: samlConfig.sp.entityId,
    user: person(),
    ...overrides,
  }
}

async function assertRefused(browser: ApiSession, fields: Record<string, string>, status = 401) {
  const response = await browser.postForm('/api/v1/auth/saml/acs', fields)
  response.assertStatus(status)
  if (!response.header('content-type')?.includes('text/html')) {
    throw new Error('expected an HTML error page')
  }
  ;(await browser.get('/api/v1/me')).assertStatus(401)
  return response
}

test.group('SAML single sign-on', (group) => {
  isolateEachTest(group)
  group.setup(async () => {
    await idp.start(testIdpPort())
    return () => idp.stop()
  })
  group.each.setup(() => {
    idp.clearRecorded()
    samlConfig.resolveWithUserOffice = false
  })

  test('round trip: portal → IdP → ACS → session → /me', async ({ client, assert }) => {
    const browser = new ApiSession(client)
    const form = await signInAtIdp(browser, person())

    const request = idp.authnRequests[0]
    assert.isTrue(request.signatureValid, 'the AuthnRequest is signed with the SP key')
    assert.equal(request.acsUrl, samlConfig.sp.acsUrl)
    assert.equal(form.action, samlConfig.sp.acsUrl)

    const acs = await browser.postForm('/api/v1/auth/saml/acs', form.fields)
    acs.assertStatus(303)
    assert.equal(acs.header('location'), `${FRONTEND}/experiments`)

    const me = await browser.get('/api/v1/me')
    me.assertStatus(200)
    assert.include(me.body().data, {
      username: ADA,
      email: 'ada@university.example',
      displayName: 'Ada Lovelace',
      provider: 'saml',
    })
    const user = await User.findByOrFail('username', ADA)
    assert.equal(user.externalId, 'eaa-hash-4711')
    const event = await AuditEvent.query().where('action', 'auth.saml').firstOrFail()
    assert.equal(event.outcome, 'success')
  })

  test('a response captured from another browser’s sign-in signs nobody in there (login CSRF)', async ({
    client,
    assert,
  }) => {
    // Mallory signs in at the IdP as herself and keeps the auto-post form instead of sending it.
    const mallory = new ApiSession(client)
    const captured = await signInAtIdp(
      mallory,
      person({
        nameId: 'persistent-mallory',
        attributes: { EAAHash: 'eaa-mallory', uid: 'mallory' },
      })
    )

    // A hostile page makes the victim's browser post it: no binding cookie there.
    const victim = new ApiSession(client)
    await assertRefused(victim, captured.fields)
    // Nor when the victim has a sign-in of their own under way.
    const busyVictim = new ApiSession(client)
    await signInAtIdp(busyVictim, person())
    await assertRefused(busyVictim, captured.fields)
    assert.lengthOf(await User.query().where('provider', 'saml'), 0)

    const refusals = await AuditEvent.query().where('action', 'auth.saml')
    assert.lengthOf(refusals, 2)
    for (const event of refusals) {
      assert.equal(event.outcome, 'failure')
      assert.include(String(event.details?.detail), 'did not start')
    }
    // The refusals used nothing up: the browser that started the sign-in completes it.
    ;(await mallory.postForm('/api/v1/auth/saml/acs', captured.fields)).assertStatus(303)
    assert.equal((await mallory.get('/api/v1/me')).body().data.username, `mallory@${SCOPE}`)
  })

  test('the binding cookie is __Host-, Secure, HttpOnly, SameSite=None and lives as long as a request', async ({
    client,
    assert,
  }) => {
    const start = await new ApiSession(client).request('GET', '/api/v1/auth/saml/login')
    assert.equal(start.status(), 302)
    const cookie = [start.headers()['set-cookie'] ?? []]
      .flat()
      .find((line: string) => line.startsWith('__Host-portal-saml-request='))
    assert.isDefined(cookie, 'the sign-in start sets the binding cookie')
    const attributes = cookie!.split(/;\s*/).slice(1)
    for (const expected of ['HttpOnly', 'Secure', 'SameSite=None', 'Path=/']) {
      assert.include(attributes, expected)
    }
    assert.include(attributes, `Max-Age=${samlConfig.requestTtlMs / 1000}`)
    assert.isFalse(
      attributes.some((attribute) => /^Domain=/i.test(attribute)),
      '__Host- cookies name no Domain'
    )
  })

  test('two sign-ins started in one browser (two tabs) each complete once', async ({
    client,
    assert,
  }) => {
    const browser = new ApiSession(client)
    const first = await signInAtIdp(browser, person())
    const second = await signInAtIdp(browser, person())
    ;(await browser.postForm('/api/v1/auth/saml/acs', second.fields)).assertStatus(303)
    ;(await browser.postForm('/api/v1/auth/saml/acs', first.fields)).assertStatus(303)
    assert.isUndefined(browser.cookies.get('__Host-portal-saml-request'), 'nothing left pending')
    ;(await browser.postForm('/api/v1/auth/saml/acs', second.fields)).assertStatus(401)
  })

  test('the same person signs into the same account, with a fresh profile', async ({
    client,
    assert,
  }) => {
    const first = new ApiSession(client)
    await first.postForm('/api/v1/auth/saml/acs', (await signInAtIdp(first, person())).fields)
    const renamed = person({
      attributes: { ...person().attributes, displayName: 'Ada King', uid: 'ignored-now' },
    })
    const second = new ApiSession(client)
    ;(
      await second.postForm('/api/v1/auth/saml/acs', (await signInAtIdp(second, renamed)).fields)
    ).assertStatus(303)

    const users = await User.query().where('provider', 'saml')
    assert.lengthOf(users, 1)
    assert.equal(users[0].displayName, 'Ada King')
    assert.equal(users[0].username, ADA)
  })

  test('grants admin from the entitlement attribute and withdraws it later', async ({
    client,
    assert,
  }) => {
    const admin = person({
      attributes: {
        ...person().attributes,
        eduPersonEntitlement: ['urn:other', ADMIN_ENTITLEMENT],
      },
    })
    const browser = new ApiSession(client)
    await browser.postForm('/api/v1/auth/saml/acs', (await signInAtIdp(browser, admin)).fields)
    assert.deepEqual((await browser.get('/api/v1/me')).body().data.roles, ['admin', 'scientist'])
    ;(await browser.get('/api/v1/admin/audit')).assertStatus(200)

    const again = new ApiSession(client)
    await again.postForm('/api/v1/auth/saml/acs', (await signInAtIdp(again, person())).fields)
    assert.deepEqual((await again.get('/api/v1/me')).body().data.roles, ['scientist'])
    ;(await again.get('/api/v1/admin/audit')).assertStatus(403)
  })

  test('leaves an admin role granted by hand alone', async ({ client, assert }) => {
    const browser = new ApiSession(client)
    await browser.postForm('/api/v1/auth/saml/acs', (await signInAtIdp(browser, person())).fields)
    const user = await User.findByOrFail('username', ADA)
    await UserRoleFactory.merge({ userId: user.id, role: 'admin', source: 'manual' }).create()

    const again = new ApiSession(client)
    await again.postForm('/api/v1/auth/saml/acs', (await signInAtIdp(again, person())).fields)
    assert.deepEqual((await again.get('/api/v1/me')).body().data.roles, ['admin', 'scientist'])
  })

  test('resolves the facility account through the User Office', async ({ client, assert }) => {
    samlConfig.resolveWithUserOffice = true
    testUserOffice.addIdentity('eaa-hash-4711', 'jdoe')
    const browser = new ApiSession(client)

    const acs = await browser.postForm(
      '/api/v1/auth/saml/acs',
      (await signInAtIdp(browser, person())).fields
    )
    acs.assertStatus(303)
    const me = (await browser.get('/api/v1/me')).body().data
    assert.equal(me.username, 'jdoe', 'the username comes from the User Office, not the IdP')
    assert.equal(me.provider, 'useroffice')
    assert.deepEqual(testUserOffice.requests[0].body, { eaa_hash: 'eaa-hash-4711' })
  })

  test('refuses a federated person without a facility account, with a page and an audit event', async ({
    client,
    assert,
  }) => {
    samlConfig.resolveWithUserOffice = true
    const browser = new ApiSession(client)
    const response = await assertRefused(
      browser,
      (await signInAtIdp(browser, person())).fields,
      403
    )

    assert.include(response.text(), 'E_NO_FACILITY_ACCOUNT')
    assert.include(response.text(), 'no facility account is linked to this identity')
    assert.equal(
      await User.query()
        .count('* as n')
        .first()
        .then((row) => Number(row!.$extras.n)),
      0
    )
    const event = await AuditEvent.query().where('action', 'auth.saml').firstOrFail()
    assert.equal(event.outcome, 'denied')
    assert.notInclude(JSON.stringify(event.details), 'eaa-hash-4711')
  })

  test('answers 503 when the User Office cannot resolve the identity', async ({ client }) => {
    samlConfig.resolveWithUserOffice = true
    testUserOffice.setFault({ kind: 'status', status: 500 }, 'identity')
    const browser = new ApiSession(client)
    await assertRefused(browser, (await signInAtIdp(browser, person())).fields, 503)
  })

  test('refuses a disabled account', async ({ client }) => {
    const browser = new ApiSession(client)
    await browser.postForm('/api/v1/auth/saml/acs', (await signInAtIdp(browser, person())).fields)
    await db.from('users').where('username', ADA).update({ disabled: true })

    const again = new ApiSession(client)
    await assertRefused(again, (await signInAtIdp(again, person())).fields, 403)
  })

  test('refuses a transient NameID as the identifier', async ({ client }) => {
    const original = samlConfig.mapping.id
    samlConfig.mapping.id = 'nameID'
    try {
      const browser = new ApiSession(client)
      const transient = person({
        nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
      })
      await assertRefused(browser, (await signInAtIdp(browser, transient)).fields)
    } finally {
      samlConfig.mapping.id = original
    }
  })

  test('a federated username lives in the IdP’s namespace: the User Office account of that name stays its own', async ({
    client,
    assert,
  }) => {
    const federated = new ApiSession(client)
    const jdoe = person({ attributes: { ...person().attributes, uid: 'jdoe' } })
    ;(
      await federated.postForm('/api/v1/auth/saml/acs', (await signInAtIdp(federated, jdoe)).fields)
    ).assertStatus(303)
    assert.equal((await federated.get('/api/v1/me')).body().data.username, `jdoe@${SCOPE}`)

    testUserOffice.addAccount({ username: 'jdoe', password: 'uo-secret-1' })
    const facility = new ApiSession(client)
    const login = await facility.login('jdoe', 'uo-secret-1')
    login.assertStatus(200)
    assert.include(login.body().data, { username: 'jdoe', provider: 'useroffice' })
    assert.notEqual(login.body().data.id, (await federated.get('/api/v1/me')).body().data.id)
  })

  test('a User Office account claims its name from a federated account holding it, which moves to its id-derived name', async ({
    client,
    assert,
  }) => {
    // Named before federated names were namespaced, or by an IdP whose scope the User Office uses.
    const squatter = await UserFactory.merge({
      username: 'jdoe',
      provider: 'saml',
      externalId: 'eaa-hash-squatter',
      disabled: false,
      email: null,
      displayName: null,
      password: null,
    }).create()
    testUserOffice.addAccount({ username: 'jdoe', password: 'uo-secret-1' })

    const facility = new ApiSession(client)
    const login = await facility.login('jdoe', 'uo-secret-1')
    login.assertStatus(200)
    assert.include(login.body().data, { username: 'jdoe', provider: 'useroffice' })
    await squatter.refresh()
    assert.equal(squatter.username, idDerivedName('eaa-hash-squatter'))
    assert.equal(squatter.externalId, 'eaa-hash-squatter')
    const event = await AuditEvent.query().where('action', 'user.rename').firstOrFail()
    assert.equal(event.objectId, String(squatter.id))
    assert.deepInclude(event.details, { old: 'jdoe', new: squatter.username })
  })

  test('a federated account named before namespacing moves into the namespace at its next sign-in', async ({
    client,
    assert,
  }) => {
    const legacy = await UserFactory.merge({
      username: 'ada',
      provider: 'saml',
      externalId: 'eaa-hash-4711',
      disabled: false,
      email: null,
      displayName: null,
      password: null,
    }).create()
    const browser = new ApiSession(client)
    ;(
      await browser.postForm('/api/v1/auth/saml/acs', (await signInAtIdp(browser, person())).fields)
    ).assertStatus(303)
    const me = (await browser.get('/api/v1/me')).body().data
    assert.equal(me.id, legacy.id)
    assert.equal(me.username, ADA)
  })

  test('a federated name another account holds is never taken over: the person gets the id-derived name, else a conflict', async ({
    client,
    assert,
  }) => {
    const local = await UserFactory.merge({
      username: ADA,
      provider: 'local',
      disabled: false,
      password: 'x'.repeat(20),
      email: null,
      displayName: null,
      externalId: null,
    }).create()
    const browser = new ApiSession(client)
    ;(
      await browser.postForm('/api/v1/auth/saml/acs', (await signInAtIdp(browser, person())).fields)
    ).assertStatus(303)
    assert.equal(
      (await browser.get('/api/v1/me')).body().data.username,
      idDerivedName('eaa-hash-4711')
    )
    await local.refresh()
    assert.equal(local.username, ADA)
    assert.equal(local.provider, 'local')

    // Both names held by others: refused, nothing taken over.
    const other = person({
      nameId: 'persistent-4712',
      attributes: { EAAHash: 'eaa-hash-4712', uid: 'ada' },
    })
    await UserFactory.merge({
      username: idDerivedName('eaa-hash-4712'),
      provider: 'local',
      disabled: false,
      password: 'x'.repeat(20),
      email: null,
      displayName: null,
      externalId: null,
    }).create()
    const refused = new ApiSession(client)
    await assertRefused(refused, (await signInAtIdp(refused, other)).fields, 409)
    assert.lengthOf(await User.query().where('external_id', 'eaa-hash-4712'), 0)
  })

  test('only redirects back to the configured frontend', async ({ client, assert }) => {
    const browser = new ApiSession(client)
    for (const returnTo of [
      'https://evil.example/steal',
      '//evil.example/x',
      'javascript:alert(1)',
      `${FRONTEND}.evil.example/`,
      'http://127.0.0.1:5174/',
    ]) {
      const response = await browser.get(
        `/api/v1/auth/saml/login?returnTo=${encodeURIComponent(returnTo)}`
      )
      response.assertStatus(422)
      assert.include(response.text(), 'E_VALIDATION_ERROR', returnTo)
      assert.isUndefined(response.header('location'))
    }
    assert.lengthOf(idp.authnRequests, 0)
  })

  test('without returnTo, sign-in lands on the web console, signed in as the person', async ({
    client,
    assert,
  }) => {
    const browser = new ApiSession(client)
    idp.signInAs(person())
    const start = await browser.get('/api/v1/auth/saml/login')
    start.assertStatus(302)
    const page = await fetch(start.header('location')!, { signal: AbortSignal.timeout(5000) })
    const acs = await browser.postForm(
      '/api/v1/auth/saml/acs',
      parseAutoPostForm(await page.text()).fields
    )
    acs.assertStatus(303)
    assert.equal(acs.header('location'), portalConfig.landingUrl)

    const landing = await browser.get('/')
    landing.assertStatus(200)
    assert.include(landing.header('content-type'), 'text/html')
    assert.include(landing.text(), '<div id="app">')
    const me = await browser.get('/api/v1/me')
    me.assertStatus(200)
    assert.equal(me.body().data.displayName, 'Ada Lovelace')
  })

  test('a path on the portal as returnTo lands there', async ({ client, assert }) => {
    for (const path of ['/app', '/app/x?y=1#z']) {
      const browser = new ApiSession(client)
      const form = await signInAtIdp(browser, person(), path)
      const acs = await browser.postForm('/api/v1/auth/saml/acs', form.fields)
      acs.assertStatus(303)
      assert.equal(acs.header('location'), `${portalConfig.appOrigin}${path}`)
    }
  })

  test('publishes SP metadata with the ACS, SLO and signing certificate', async ({
    client,
    assert,
  }) => {
    const response = await client.get('/api/v1/auth/saml/metadata')
    response.assertStatus(200)
    assert.include(response.header('content-type'), 'application/samlmetadata+xml')
    const xml = response.text()
    assert.include(xml, `entityID="${samlConfig.sp.entityId}"`)
    assert.include(xml, `Location="${samlConfig.sp.acsUrl}"`)
    assert.include(xml, `Location="${samlConfig.sp.sloUrl}"`)
    assert.include(xml, 'X509Certificate')
    assert.notInclude(xml, 'PRIVATE KEY')
  })
})

test.group('SAML sign-in starts are bounded', (group) => {
  isolateEachTest(group)
  group.setup(async () => {
    await idp.start(testIdpPort())
    return () => idp.stop()
  })
  let saved: { attempts: number; window: string; maxPending: number }
  group.each.setup(() => {
    saved = { ...samlConfig.loginThrottle, maxPending: samlConfig.maxPendingSignIns }
    return () => {
      samlConfig.loginThrottle.attempts = saved.attempts
      samlConfig.loginThrottle.window = saved.window
      samlConfig.maxPendingSignIns = saved.maxPending
    }
  })

  /** A sign-in start as a browser at `address` makes it (through a trusted loopback proxy). */
  function start(client: ApiClient, address: string) {
    return new ApiSession(client)
      .request('GET', '/api/v1/auth/saml/login')
      .header('X-Forwarded-For', address)
  }

  function pendingRequests() {
    return db
      .from('saml_request_cache')
      .where('key', 'like', 'request:%')
      .count('* as n')
      .first()
      .then((row) => Number(row!.n))
  }

  test('sign-in starts are limited per client address: 429 with Retry-After, nothing cached', async ({
    client,
    assert,
  }) => {
    samlConfig.loginThrottle.attempts = 3
    for (let attempt = 0; attempt < 3; attempt++) {
      ;(await start(client, '203.0.113.7')).assertStatus(302)
    }
    const before = await pendingRequests()
    const refused = await start(client, '203.0.113.7')
    refused.assertStatus(429)
    assert.include(refused.header('content-type'), 'text/html')
    assert.include(refused.text(), 'E_TOO_MANY_REQUESTS')
    assert.isAbove(Number(refused.header('retry-after')), 0)
    assert.isUndefined(refused.header('location'))
    assert.equal(await pendingRequests(), before, 'a refused start caches no request')

    // Another address is not affected; the counters are in the shared database.
    ;(await start(client, '198.51.100.20')).assertStatus(302)
    const counters = await db
      .connection('counters')
      .from('rate_limits')
      .where('key', 'like', '%203.0.113.7%')
    assert.lengthOf(counters, 1)
  })

  test('at most SAML_MAX_PENDING_SIGN_INS sign-ins are under way: 429 with Retry-After, until one completes', async ({
    client,
    assert,
  }) => {
    samlConfig.maxPendingSignIns = 2
    const browser = new ApiSession(client)
    const first = await signInAtIdp(browser, person())
    await signInAtIdp(new ApiSession(client), person())

    const refused = await start(client, '198.51.100.21')
    refused.assertStatus(429)
    assert.include(refused.text(), 'E_SAML_BUSY')
    assert.isAbove(Number(refused.header('retry-after')), 0)
    assert.equal(await pendingRequests(), 2)

    ;(await browser.postForm('/api/v1/auth/saml/acs', first.fields)).assertStatus(303)
    ;(await start(client, '198.51.100.21')).assertStatus(302)
  })
})

test.group('SAML admin roles follow the IdP', (group) => {
  isolateEachTest(group)
  group.setup(async () => {
    await idp.start(testIdpPort())
    return () => idp.stop()
  })
  let maxAgeMs: number
  group.each.setup(() => {
    idp.clearRecorded()
    samlConfig.resolveWithUserOffice = false
    maxAgeMs = samlConfig.adminMaxAgeMs
    return () => {
      samlConfig.adminMaxAgeMs = maxAgeMs
      samlConfig.resolveWithUserOffice = false
    }
  })

  const admin = () =>
    person({ attributes: { ...person().attributes, eduPersonEntitlement: ADMIN_ENTITLEMENT } })

  async function signedIn(client: ApiClient, user: IdpUser) {
    const browser = new ApiSession(client)
    const acs = await browser.postForm(
      '/api/v1/auth/saml/acs',
      (await signInAtIdp(browser, user)).fields
    )
    acs.assertStatus(303)
    return browser
  }

  async function newToken(browser: ApiSession, adminScope: boolean) {
    await browser.get('/api/v1/auth/csrf')
    const response = await browser.post('/api/v1/auth/tokens', {
      name: adminScope ? 'admin script' : 'user script',
      expiresInDays: 30,
      admin: adminScope,
    })
    response.assertStatus(201)
    return response.body().data as { token: string; scopes: string[]; expiresAt: string }
  }

  test('withdrawing the IdP admin role revokes the admin-scoped tokens made under it, also when it comes back', async ({
    client,
    assert,
  }) => {
    const browser = await signedIn(client, admin())
    const adminToken = await newToken(browser, true)
    const userToken = await newToken(browser, false)
    ;(await ApiSession.withToken(client, adminToken.token).get('/api/v1/admin/audit')).assertStatus(
      200
    )

    await signedIn(client, person())
    const left = await db.from('auth_access_tokens').select('name')
    assert.deepEqual(
      left.map((row) => row.name),
      ['user script']
    )
    ;(await ApiSession.withToken(client, adminToken.token).get('/api/v1/me')).assertStatus(401)
    ;(await ApiSession.withToken(client, userToken.token).get('/api/v1/me')).assertStatus(200)

    // Granted again by the IdP: the old admin token stays dead.
    await signedIn(client, admin())
    ;(await ApiSession.withToken(client, adminToken.token).get('/api/v1/admin/audit')).assertStatus(
      401
    )
  })

  test('an IdP-granted admin role lapses in a session older than SAML_ADMIN_MAX_AGE: a scientist until a fresh sign-in', async ({
    client,
    assert,
  }) => {
    samlConfig.adminMaxAgeMs = 1500
    const browser = await signedIn(client, admin())
    ;(await browser.get('/api/v1/admin/audit')).assertStatus(200)

    await new Promise((resolve) => setTimeout(resolve, 1600))
    ;(await browser.get('/api/v1/admin/audit')).assertStatus(403)
    const me = await browser.get('/api/v1/me')
    me.assertStatus(200)
    assert.deepEqual(me.body().data.roles, ['scientist'])
    // Nor can the stale session mint an admin token.
    await browser.get('/api/v1/auth/csrf')
    ;(
      await browser.post('/api/v1/auth/tokens', { name: 'x', expiresInDays: 1, admin: true })
    ).assertStatus(403)

    // A fresh assertion in the same browser restores it.
    const form = await signInAtIdp(browser, admin())
    ;(await browser.postForm('/api/v1/auth/saml/acs', form.fields)).assertStatus(303)
    ;(await browser.get('/api/v1/admin/audit')).assertStatus(200)
    const row = await UserRole.query().where('role', 'admin').firstOrFail()
    assert.equal(row.source, 'saml')
  })

  test('an admin role granted by hand does not lapse with the assertion', async ({
    client,
    assert,
  }) => {
    samlConfig.adminMaxAgeMs = 1000
    const browser = await signedIn(client, person())
    const user = await User.findByOrFail('provider', 'saml')
    await UserRoleFactory.merge({ userId: user.id, role: 'admin', source: 'manual' }).create()
    await new Promise((resolve) => setTimeout(resolve, 1100))
    ;(await browser.get('/api/v1/admin/audit')).assertStatus(200)
    assert.deepEqual((await browser.get('/api/v1/me')).body().data.roles, ['admin', 'scientist'])
  })

  test('an admin-scoped token of an IdP-granted admin expires within SAML_ADMIN_MAX_AGE of the assertion; an older one loses the admin scope', async ({
    client,
    assert,
  }) => {
    samlConfig.adminMaxAgeMs = 60 * 60 * 1000
    const browser = await signedIn(client, admin())
    const before = Date.now()
    const adminToken = await newToken(browser, true)
    assert.deepEqual(adminToken.scopes, ['user', 'admin'])
    assert.isAtMost(Date.parse(adminToken.expiresAt), before + samlConfig.adminMaxAgeMs + 1000)
    assert.isAbove(Date.parse(adminToken.expiresAt), before + samlConfig.adminMaxAgeMs - 60_000)
    // A user-scoped token is not capped.
    const userToken = await newToken(browser, false)
    assert.isAbove(Date.parse(userToken.expiresAt), before + 29 * 24 * 3600 * 1000)

    // A token made longer ago than the bound (e.g. before the bound existed) keeps only "user".
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000)
    await db
      .from('auth_access_tokens')
      .where('name', 'admin script')
      .update({ created_at: twoHoursAgo, expires_at: new Date(Date.now() + 24 * 3600 * 1000) })
    const script = ApiSession.withToken(client, adminToken.token)
    ;(await script.get('/api/v1/admin/audit')).assertStatus(403)
    const me = await script.get('/api/v1/me')
    me.assertStatus(200)
    assert.deepEqual(me.body().data.roles, ['scientist'])
  })

  test('a password session of an account whose admin role came from the IdP does not carry it', async ({
    client,
    assert,
  }) => {
    samlConfig.resolveWithUserOffice = true
    testUserOffice.addIdentity('eaa-hash-4711', 'jdoe')
    testUserOffice.addAccount({ username: 'jdoe', password: 'uo-secret-1' })
    const federated = await signedIn(client, admin())
    assert.equal((await federated.get('/api/v1/me')).body().data.username, 'jdoe')
    ;(await federated.get('/api/v1/admin/audit')).assertStatus(200)

    const password = new ApiSession(client)
    ;(await password.login('jdoe', 'uo-secret-1')).assertStatus(200)
    ;(await password.get('/api/v1/admin/audit')).assertStatus(403)
    assert.deepEqual((await password.get('/api/v1/me')).body().data.roles, ['scientist'])
  })
})

test.group('SAML attacks fail closed', (group) => {
  isolateEachTest(group)
  group.setup(async () => {
    await idp.start(testIdpPort())
    return () => idp.stop()
  })
  group.each.setup(() => idp.clearRecorded())

  test('an unsigned response', async ({ client }) => {
    const { browser, relayState, requestId } = await pendingRequest(client)
    const unsigned = idp.createSamlResponse(responseFor(requestId), {
      assertion: false,
      response: false,
    })
    await assertRefused(browser, { SAMLResponse: unsigned, RelayState: relayState })
  })

  test('a response whose outer Response is unsigned', async ({ client }) => {
    const { browser, relayState, requestId } = await pendingRequest(client)
    const half = idp.createSamlResponse(responseFor(requestId), {
      assertion: true,
      response: false,
    })
    await assertRefused(browser, { SAMLResponse: half, RelayState: relayState })
  })

  test('a response whose Assertion is unsigned', async ({ client }) => {
    const { browser, relayState, requestId } = await pendingRequest(client)
    const half = idp.createSamlResponse(responseFor(requestId), {
      assertion: false,
      response: true,
    })
    await assertRefused(browser, { SAMLResponse: half, RelayState: relayState })
  })

  test('a response tampered with after signing', async ({ client, assert }) => {
    const { browser, relayState, requestId } = await pendingRequest(client)
    const signed = idp.sign(idp.buildResponseXml(responseFor(requestId)))
    const tampered = signed.replace('ada@university.example', 'root@university.example')
    assert.notEqual(tampered, signed)
    await assertRefused(browser, { SAMLResponse: encodeSamlPost(tampered), RelayState: relayState })
  })

  test('a response signed with another key', async ({ client }) => {
    const { browser, relayState, requestId } = await pendingRequest(client)
    const forged = idp.createSamlResponse(responseFor(requestId), {
      keys: generateKeyPair('attacker'),
    })
    await assertRefused(browser, { SAMLResponse: forged, RelayState: relayState })
  })

  test('XML signature wrapping variants', async ({ client, assert }) => {
    const signed = idp.sign(idp.buildResponseXml(responseFor(null)))
    const variants = namedSignatureWrappingVariants(signed, 'evil-admin')
    assert.isAtLeast(variants.length, 4)
    for (const variant of variants) {
      const { browser, relayState, requestId } = await pendingRequest(client)
      const xml = variant.xml.replaceAll('InResponseTo=""', `InResponseTo="${requestId}"`)
      await assertRefused(browser, { SAMLResponse: encodeSamlPost(xml), RelayState: relayState })
    }
    assert.lengthOf(await User.query().where('provider', 'saml'), 0)
  })

  test('a SHA-1 signed response', async ({ client }) => {
    const { browser, relayState, requestId } = await pendingRequest(client)
    const weak = idp.createSamlResponse(responseFor(requestId), { algorithm: 'sha1' })
    await assertRefused(browser, { SAMLResponse: weak, RelayState: relayState })
  })

  test('a replayed response, even from the browser that started the sign-in', async ({
    client,
    assert,
  }) => {
    const browser = new ApiSession(client)
    const form = await signInAtIdp(browser, person())
    // The same browser's cookies as they were before the response was posted.
    const replayer = new ApiSession(client)
    replayer.cookies = new Map(browser.cookies)
    ;(await browser.postForm('/api/v1/auth/saml/acs', form.fields)).assertStatus(303)

    await assertRefused(replayer, form.fields)
    const refusal = await AuditEvent.query()
      .where('action', 'auth.saml')
      .where('outcome', 'failure')
      .firstOrFail()
    assert.include(String(refusal.details?.detail), 'already used')
  })

  test('an unsolicited response and one answering an unknown request', async ({ client }) => {
    const browser = new ApiSession(client)
    await assertRefused(browser, { SAMLResponse: idp.createSamlResponse(responseFor(null)) })
    await assertRefused(browser, { SAMLResponse: idp.createSamlResponse(responseFor('_not-ours')) })
  })

  test('a response for another audience', async ({ client }) => {
    const { browser, relayState, requestId } = await pendingRequest(client)
    const other = idp.createSamlResponse(
      responseFor(requestId, { audience: 'https://other-sp.example' })
    )
    await assertRefused(browser, { SAMLResponse: other, RelayState: relayState })
  })

  test('a response or an assertion from another issuer, although signed with the trusted key', async ({
    client,
    assert,
  }) => {
    const other = await pendingRequest(client)
    await assertRefused(other.browser, {
      SAMLResponse: idp.createSamlResponse(
        responseFor(other.requestId, { issuer: 'https://other-idp.example' })
      ),
      RelayState: other.relayState,
    })

    // The Response's Issuer comes first in the document, the Assertion's second.
    for (const occurrence of [0, 1]) {
      const { browser, relayState, requestId } = await pendingRequest(client)
      let seen = -1
      const xml = idp
        .buildResponseXml(responseFor(requestId))
        .replace(/<saml:Issuer>[^<]*<\/saml:Issuer>/g, (issuer) =>
          ++seen === occurrence ? '<saml:Issuer>https://other-idp.example</saml:Issuer>' : issuer
        )
      assert.equal(seen, 1)
      await assertRefused(browser, {
        SAMLResponse: encodeSamlPost(idp.sign(xml)),
        RelayState: relayState,
      })
    }
    const refusals = await AuditEvent.query().where('action', 'auth.saml')
    assert.lengthOf(refusals, 3)
    assert.isTrue(refusals.every((event) => /issuer/i.test(String(event.details?.detail))))
    assert.lengthOf(await User.query().where('provider', 'saml'), 0)
  })

  test('a response for another destination', async ({ client }) => {
    const { browser, relayState, requestId } = await pendingRequest(client)
    const other = idp.createSamlResponse(
      responseFor(requestId, { destination: 'https://other-sp.example/acs' })
    )
    await assertRefused(browser, { SAMLResponse: other, RelayState: relayState })
  })

  test('an expired response, and one not yet valid', async ({ client }) => {
    const minutes = (count: number) => new Date(Date.now() + count * 60_000)
    const expired = await pendingRequest(client)
    await assertRefused(expired.browser, {
      SAMLResponse: idp.createSamlResponse(
        responseFor(expired.requestId, { notBefore: minutes(-10), notOnOrAfter: minutes(-2) })
      ),
      RelayState: expired.relayState,
    })
    const early = await pendingRequest(client)
    await assertRefused(early.browser, {
      SAMLResponse: idp.createSamlResponse(
        responseFor(early.requestId, { notBefore: minutes(2), notOnOrAfter: minutes(10) })
      ),
      RelayState: early.relayState,
    })
  })

  test('a validity window within the allowed clock skew is accepted', async ({ client }) => {
    const { browser, relayState, requestId } = await pendingRequest(client)
    const skewed = idp.createSamlResponse(
      responseFor(requestId, { notBefore: new Date(Date.now() + 15_000) })
    )
    ;(
      await browser.postForm('/api/v1/auth/saml/acs', {
        SAMLResponse: skewed,
        RelayState: relayState,
      })
    ).assertStatus(303)
  })

  test('a failed response with an assertion inside', async ({ client }) => {
    const { browser, relayState, requestId } = await pendingRequest(client)
    const failed = idp.createSamlResponse(
      responseFor(requestId, {
        status: 'urn:oasis:names:tc:SAML:2.0:status:Responder',
        includeAssertion: true,
      })
    )
    await assertRefused(browser, { SAMLResponse: failed, RelayState: relayState })
  })

  test('garbage instead of a response', async ({ client }) => {
    const browser = new ApiSession(client)
    await assertRefused(browser, { SAMLResponse: 'not base64 xml at all' })
    await assertRefused(browser, {
      SAMLResponse: encodeSamlPost('<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'),
    })
    await assertRefused(browser, {})
  })

  test('every refusal is audited with its reason', async ({ client, assert }) => {
    const browser = new ApiSession(client)
    await assertRefused(browser, { SAMLResponse: idp.createSamlResponse(responseFor(null)) })
    const event = await AuditEvent.query().where('action', 'auth.saml').firstOrFail()
    assert.equal(event.outcome, 'failure')
    assert.equal(event.details?.reason, 'E_SAML_REJECTED')
    assert.isString(event.details?.detail)
  })
})

test.group('SAML single logout', (group) => {
  isolateEachTest(group)
  group.setup(async () => {
    await idp.start(testIdpPort())
    return () => idp.stop()
  })
  group.each.setup(() => {
    idp.clearRecorded()
    idp.sloBinding = 'redirect'
  })

  async function signedInBrowser(client: ApiClient, user = person()) {
    const browser = new ApiSession(client)
    await browser.postForm('/api/v1/auth/saml/acs', (await signInAtIdp(browser, user)).fields)
    ;(await browser.get('/api/v1/me')).assertStatus(200)
    return browser
  }

  /** The IdP posts cross-site: no XSRF header, and no SameSite=Lax session cookie. */
  function crossSitePost(client: ApiClient, fields: Record<string, string>) {
    const idpPage = new ApiSession(client)
    idpPage.sendCsrfHeader = false
    return idpPage.postForm('/api/v1/auth/saml/slo', fields)
  }

  /** Signs out at the portal; returns the pending LogoutRequest's id and the IdP URL. */
  async function startLogout(browser: ApiSession) {
    const logout = await browser.post('/api/v1/auth/logout')
    logout.assertStatus(200)
    const redirectUrl: string = logout.body().data.redirectUrl
    const request = new URL(redirectUrl).searchParams.get('SAMLRequest')!
    const requestId = /\sID="([^"]+)"/.exec(decodeSamlRedirect(request))![1]
    const relayState = new URL(redirectUrl).searchParams.get('RelayState') ?? undefined
    return { redirectUrl, requestId, relayState }
  }

  function sloPath(url: string) {
    const parsed = new URL(url)
    return parsed.pathname + parsed.search
  }

  test('sign-out also ends the IdP session and lands on the portal page', async ({
    client,
    assert,
  }) => {
    const browser = await signedInBrowser(client)

    const { redirectUrl } = await startLogout(browser)
    assert.isTrue(redirectUrl.startsWith(idp.sloUrl))
    ;(await browser.get('/api/v1/me')).assertStatus(401)

    const atIdp = await fetch(redirectUrl, {
      redirect: 'manual',
      signal: AbortSignal.timeout(5000),
    })
    assert.equal(atIdp.status, 302)
    assert.isTrue(idp.logoutRequests.at(-1)!.signatureValid)
    assert.equal(idp.logoutRequests.at(-1)!.nameId, 'persistent-4711')
    const back = new URL(atIdp.headers.get('location')!)
    assert.equal(back.origin + back.pathname, samlConfig.sp.sloUrl)

    const done = await browser.get(back.pathname + back.search)
    done.assertStatus(302)
    assert.equal(done.header('location'), portalConfig.landingUrl)
    ;(await browser.get(new URL(done.header('location')!).pathname)).assertStatus(200)

    // The LogoutResponse is single-use.
    const replay = await browser.get(back.pathname + back.search)
    replay.assertStatus(401)
  })

  test('sign-out completes when the IdP answers over HTTP-POST, cross-site', async ({
    client,
    assert,
  }) => {
    idp.sloBinding = 'post'
    const browser = await signedInBrowser(client)
    const { redirectUrl } = await startLogout(browser)

    const atIdp = await fetch(redirectUrl, {
      redirect: 'manual',
      signal: AbortSignal.timeout(5000),
    })
    assert.equal(atIdp.status, 200)
    const form = parseAutoPostForm(await atIdp.text())
    assert.equal(form.action, samlConfig.sp.sloUrl)
    assert.properties(form.fields, ['SAMLResponse', 'RelayState'])

    const done = await crossSitePost(client, form.fields)
    done.assertStatus(303)
    assert.equal(done.header('location'), portalConfig.landingUrl)
    ;(await crossSitePost(client, form.fields)).assertStatus(401)
  })

  test('an IdP-initiated logout ends the portal session', async ({ client, assert }) => {
    const browser = await signedInBrowser(client)
    const url = new URL(
      idp.createLogoutRequestUrl(samlConfig.sp.sloUrl, { nameId: 'persistent-4711' })
    )

    const response = await browser.get(url.pathname + url.search)
    response.assertStatus(302)
    assert.isTrue(response.header('location')!.startsWith(idp.sloUrl))
    ;(await browser.get('/api/v1/me')).assertStatus(401)
    const event = await AuditEvent.query().where('action', 'auth.logout').firstOrFail()
    assert.equal(event.outcome, 'success')
    assert.deepEqual(event.details, { initiatedBy: 'idp', binding: 'redirect' })
  })

  test('an IdP-initiated logout over HTTP-POST ends the session without its cookie', async ({
    client,
    assert,
  }) => {
    const browser = await signedInBrowser(client)
    const fields = idp.createLogoutRequestPost(samlConfig.sp.sloUrl, {
      nameId: 'persistent-4711',
      relayState: 'idp-relay-state',
    })

    const response = await crossSitePost(client, fields)
    response.assertStatus(303)
    ;(await browser.get('/api/v1/me')).assertStatus(401)

    // The answer is a LogoutResponse the IdP can verify, carrying its RelayState back.
    const answer = await fetch(response.header('location')!, {
      redirect: 'manual',
      signal: AbortSignal.timeout(5000),
    })
    assert.equal(answer.status, 200)
    const received = idp.logoutResponses.at(-1)!
    assert.isTrue(received.signatureValid)
    assert.equal(received.status, 'urn:oasis:names:tc:SAML:2.0:status:Success')
    assert.equal(received.relayState, 'idp-relay-state')
    assert.match(decodeSamlPost(fields.SAMLRequest), new RegExp(`ID="${received.inResponseTo}"`))
  })

  test('an IdP-initiated logout naming an IdP session ends only the portal sessions it opened', async ({
    client,
  }) => {
    const first = await signedInBrowser(client, person({ sessionIndex: '_idp-session-1' }))
    const second = await signedInBrowser(client, person({ sessionIndex: '_idp-session-2' }))

    const fields = idp.createLogoutRequestPost(samlConfig.sp.sloUrl, {
      nameId: 'persistent-4711',
      sessionIndex: '_idp-session-1',
    })
    ;(await crossSitePost(client, fields)).assertStatus(303)
    ;(await first.get('/api/v1/me')).assertStatus(401)
    ;(await second.get('/api/v1/me')).assertStatus(200)
  })

  test('a logout request for someone else leaves this session alone', async ({ client }) => {
    const browser = await signedInBrowser(client)
    const url = new URL(
      idp.createLogoutRequestUrl(samlConfig.sp.sloUrl, { nameId: 'someone-else' })
    )
    ;(await browser.get(url.pathname + url.search)).assertStatus(302)
    ;(
      await crossSitePost(
        client,
        idp.createLogoutRequestPost(samlConfig.sp.sloUrl, { nameId: 'someone-else' })
      )
    ).assertStatus(303)
    ;(await browser.get('/api/v1/me')).assertStatus(200)
  })

  test('unsigned, SHA-1 and wrongly signed logout requests are refused on both bindings', async ({
    client,
    assert,
  }) => {
    const browser = await signedInBrowser(client)
    const subject = { nameId: 'persistent-4711' }
    const bad = [
      { signed: false },
      { algorithm: 'sha1' as const },
      { keys: generateKeyPair('attacker') },
    ]
    for (const options of bad) {
      const url = new URL(idp.createLogoutRequestUrl(samlConfig.sp.sloUrl, subject, options))
      ;(await browser.get(url.pathname + url.search)).assertStatus(401)
      const post = await crossSitePost(
        client,
        idp.createLogoutRequestPost(samlConfig.sp.sloUrl, subject, options)
      )
      post.assertStatus(401)
      assert.include(post.header('content-type'), 'text/html')
      ;(await browser.get('/api/v1/me')).assertStatus(200)
    }

    // Signed, then changed: the enveloped signature no longer matches.
    const signed = idp.createLogoutRequestPost(samlConfig.sp.sloUrl, { nameId: 'someone-else' })
    const tampered = decodeSamlPost(signed.SAMLRequest).replace('someone-else', 'persistent-4711')
    ;(await crossSitePost(client, { SAMLRequest: encodeSamlPost(tampered) })).assertStatus(401)
    ;(await browser.get('/api/v1/me')).assertStatus(200)

    const refusals = await AuditEvent.query()
      .where('action', 'auth.logout')
      .where('outcome', 'failure')
    assert.lengthOf(refusals, 2 * bad.length + 1)
    assert.equal(refusals[0].details?.reason, 'E_SAML_REJECTED')
  })

  test('a replayed logout request is refused on both bindings', async ({ client }) => {
    const redirect = new URL(
      idp.createLogoutRequestUrl(samlConfig.sp.sloUrl, { nameId: 'persistent-4711' })
    )
    const post = idp.createLogoutRequestPost(samlConfig.sp.sloUrl, { nameId: 'persistent-4711' })
    const first = await signedInBrowser(client)
    ;(await first.get(redirect.pathname + redirect.search)).assertStatus(302)
    ;(await crossSitePost(client, post)).assertStatus(303)

    const again = await signedInBrowser(client)
    ;(await again.get(redirect.pathname + redirect.search)).assertStatus(401)
    ;(await crossSitePost(client, post)).assertStatus(401)
    ;(await again.get('/api/v1/me')).assertStatus(200)
  })

  test('a stale or misaddressed logout request is refused', async ({ client }) => {
    const browser = await signedInBrowser(client)
    for (const options of [
      { nameId: 'persistent-4711', destination: 'https://other-sp.example/slo' },
      { nameId: 'persistent-4711', issuer: 'https://other-idp.example' },
    ]) {
      ;(
        await crossSitePost(client, idp.createLogoutRequestPost(samlConfig.sp.sloUrl, options))
      ).assertStatus(401)
    }
    const stale = idp
      .buildLogoutRequestXml(samlConfig.sp.sloUrl, { nameId: 'persistent-4711' })
      .replace(/IssueInstant="[^"]+"/, 'IssueInstant="2020-01-01T00:00:00Z"')
    ;(
      await crossSitePost(client, {
        SAMLRequest: encodeSamlPost(idp.sign(stale, { assertion: false })),
      })
    ).assertStatus(401)
    ;(await browser.get('/api/v1/me')).assertStatus(200)
  })

  test('forged, unsolicited and failed logout responses are refused on both bindings; a forgery does not use up the request', async ({
    client,
    assert,
  }) => {
    const browser = await signedInBrowser(client)
    const { requestId, relayState } = await startLogout(browser)
    const answer = { inResponseTo: requestId, relayState }

    const refused: { label: string; redirect: string; post: Record<string, string> }[] = []
    for (const [label, options] of [
      ['unsigned', { signed: false }],
      ['SHA-1', { algorithm: 'sha1' as const }],
      ['wrong key', { keys: generateKeyPair('attacker') }],
    ] as const) {
      refused.push({
        label,
        redirect: idp.createLogoutResponseUrl(samlConfig.sp.sloUrl, answer, options),
        post: idp.createLogoutResponsePost(samlConfig.sp.sloUrl, answer, options),
      })
    }
    for (const [label, options] of [
      ['unknown request', { inResponseTo: '_not-ours' }],
      ['failed status', { ...answer, status: 'urn:oasis:names:tc:SAML:2.0:status:Responder' }],
      ['another SP', { ...answer, destination: 'https://other-sp.example/slo' }],
    ] as const) {
      refused.push({
        label,
        redirect: idp.createLogoutResponseUrl(samlConfig.sp.sloUrl, options),
        post: idp.createLogoutResponsePost(samlConfig.sp.sloUrl, options),
      })
    }
    for (const attempt of refused) {
      const redirect = await browser.get(sloPath(attempt.redirect))
      assert.equal(redirect.status(), 401, `${attempt.label} (redirect)`)
      const post = await crossSitePost(client, attempt.post)
      assert.equal(post.status(), 401, `${attempt.label} (POST)`)
    }

    const genuine = await crossSitePost(
      client,
      idp.createLogoutResponsePost(samlConfig.sp.sloUrl, answer)
    )
    genuine.assertStatus(303)
    assert.equal(genuine.header('location'), portalConfig.landingUrl)
  })

  test('the metadata publishes single logout on exactly the two bindings it accepts', async ({
    client,
    assert,
  }) => {
    const xml = (await client.get('/api/v1/auth/saml/metadata')).text()
    const services = [...xml.matchAll(/<SingleLogoutService\b[^>]*>/g)].map(([tag]) => ({
      binding: /Binding="([^"]+)"/.exec(tag)![1],
      location: /Location="([^"]+)"/.exec(tag)![1],
    }))
    assert.deepEqual(services, [
      {
        binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
        location: samlConfig.sp.sloUrl,
      },
      { binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST', location: samlConfig.sp.sloUrl },
    ])
    // Schema order: SingleLogoutService before NameIDFormat and the ACS.
    assert.isBelow(xml.indexOf('SingleLogoutService'), xml.indexOf('NameIDFormat'))
  })

  test('without an IdP SLO endpoint, no single logout is published or served', async ({
    client,
    assert,
  }) => {
    const original = samlConfig.idp.sloUrl
    samlConfig.idp.sloUrl = undefined
    try {
      const xml = (await client.get('/api/v1/auth/saml/metadata')).text()
      assert.notInclude(xml, 'SingleLogoutService')
      const url = new URL(
        idp.createLogoutRequestUrl(samlConfig.sp.sloUrl, { nameId: 'persistent-4711' })
      )
      ;(await client.get(url.pathname + url.search)).assertStatus(404)

      const browser = await signedInBrowser(client)
      ;(await browser.post('/api/v1/auth/logout')).assertStatus(204)
    } finally {
      samlConfig.idp.sloUrl = original
    }
  })
})
