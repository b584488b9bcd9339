import { test } from '@japa/runner'
import type { ApiClient } from '@japa/api-client'
import User from '#models/user'
import LinkResource from '#models/link_resource'
import AuditEvent from '#models/audit_event'
import type { Role } from '#models/role'
import { createUser } from '#database/factories/user_factory'
import { createExperiment } from '#database/factories/experiment_factory'
import { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'
import { createLink } from '#tests/helpers/links'

const ADMIN_BASE = '/api/v1/admin/links'
const USER_BASE = '/api/v1/links'

/** Someone with a personal API token (no password hashing: these tests sign in a lot). */
async function person(client: ApiClient, roles: Role[] = []) {
  const user = await createUser({ roles })
  const token = await User.accessTokens.create(user)
  return { user, api: ApiSession.withToken(client, token.value!.release()) }
}

function linkInput(fields: Record<string, unknown> = {}) {
  return {
    name: `Logbook ${Math.random().toString(36).slice(2, 10)}`,
    url: 'https://logbook.example.org/proposals/{proposal}/entries?view=list',
    proposalTemplate: true,
    ...fields,
  }
}

/** Everything a refused admin request could have written. */
async function footprint() {
  const links = await LinkResource.query().orderBy('id', 'asc')
  const events = await AuditEvent.query().where('action', 'like', 'link.%').count('* as total')
  return {
    links: JSON.parse(JSON.stringify(links.map((link) => link.serialize()))),
    events: Number(events[0].$extras.total),
  }
}

function auditRows(action: string) {
  return AuditEvent.query().where('action', action).orderBy('id', 'asc')
}

/**
 * Templates an admin might be tricked into, or that would let a proposal
 * id (or anything else) move the link to another origin. Each is refused
 * with 422 on `url`, and nothing is stored.
 */
const HOSTILE_URLS: [string, string][] = [
  ['a scheme-relative URL', '//evil.example.net/{proposal}'],
  ['a relative path', '/proposals/{proposal}'],
  ['javascript:', 'javascript:alert(document.cookie)'],
  ['data:', 'data:text/html,<script>alert(1)</script>'],
  ['ftp:', 'ftp://files.example.org/{proposal}'],
  ['http: without slashes', 'http:evil.example.net/{proposal}'],
  ['a third slash', 'https:///evil.example.net/{proposal}'],
  ['credentials', 'https://user:secret@logbook.example.org/{proposal}'],
  ['an @ hiding the real host', 'https://logbook.example.org@evil.example.net/{proposal}'],
  ['a backslash in the authority', 'https://logbook.example.org\\@evil.example.net/{proposal}'],
  ['a backslash for a slash', 'https:\\\\evil.example.net/{proposal}'],
  ['a backslash in the path', 'https://logbook.example.org/\\evil.example.net/{proposal}'],
  ['an encoded slash in the host', 'https://logbook.example.org%2F.evil.example.net/{proposal}'],
  ['an encoded @ in the host', 'https://logbook.example.org%40evil.example.net/{proposal}'],
  ['the placeholder as the host', 'https://{proposal}/entries'],
  ['the placeholder in the host', 'https://{proposal}.example.org/entries'],
  ['the placeholder after the host', 'https://example.org{proposal}/entries'],
  ['the placeholder as the port', 'https://logbook.example.org:{proposal}/entries'],
  ['the placeholder in the fragment', 'https://logbook.example.org/entries#{proposal}'],
  ['another placeholder', 'https://logbook.example.org/{proposal}/{user}'],
  ['a space', 'https://logbook.example.org/my entries/{proposal}'],
  ['a bad escape', 'https://logbook.example.org/%zz/{proposal}'],
  ['port 0', 'https://logbook.example.org:0/{proposal}'],
  ['an impossible IPv4 host', 'https://999.1.1.1/{proposal}'],
]

/**
 * The same with an internationalised host: each is refused as its ASCII
 * (punycode) form would be, and so are the forms IDNA alone could turn
 * into another host (full-width "@", "/", "\\", ":" and braces; a host
 * that IDNA erases; a right-to-left override).
 */
const INTERNATIONALISED_HOSTILE_URLS: [string, string][] = [
  ...HOSTILE_URLS.filter(([, url]) => url.includes('example')).map(
    ([what, url]): [string, string] => [
      `${what}, its host internationalised`,
      url.replace('example', 'exämple'),
    ]
  ),
  [
    'a full-width @ hiding the real host',
    'https://lögbook.example.org＠evil.example.net/{proposal}',
  ],
  ['a full-width slash in the host', 'https://lögbook.example.org／evil.example.net/{proposal}'],
  [
    'a full-width backslash in the host',
    'https://lögbook.example.org＼evil.example.net/{proposal}',
  ],
  ['a full-width colon before the placeholder', 'https://lögbook.example.org：{proposal}/entries'],
  [
    'a full-width-braced placeholder in the host',
    'https://lögbook｛proposal｝.example.org/{proposal}',
  ],
  ['a host label IDNA erases', 'https://\u00ad.example.org/{proposal}'],
  ['a right-to-left override in the host', 'https://lögbook\u202e.example.org/{proposal}'],
  [
    'an ASCII backslash beside a Unicode host',
    'https://lögbook.example.org\\evil.example.net/{proposal}',
  ],
]

test.group('Links: the admin catalogue', (group) => {
  isolateEachTest(group)

  test('an admin creates, reads, changes, disables and deletes a link, each audited', async ({
    client,
    assert,
  }) => {
    const { api, user } = await person(client, ['admin'])

    const created = await api.post(ADMIN_BASE, {
      name: '  E-logbook  ',
      description: 'The beamline logbook',
      url: 'https://logbook.example.org/proposals/{proposal}/entries?view=list',
      proposalTemplate: true,
      allowedRoles: ['scientist', 'admin', 'admin'],
    })
    created.assertStatus(201)
    const link = created.body().data
    assert.containsSubset(link, {
      name: 'E-logbook',
      description: 'The beamline logbook',
      origin: 'https://logbook.example.org',
      url: 'https://logbook.example.org/proposals/{proposal}/entries?view=list',
      proposalTemplate: true,
      requiresExperiment: true,
      enabled: true,
      allowedRoles: ['admin', 'scientist'],
    })

    const shown = await api.get(`${ADMIN_BASE}/${link.id}`)
    shown.assertStatus(200)
    assert.deepEqual(shown.body().data, link)

    const changed = await api.patch(`${ADMIN_BASE}/${link.id}`, {
      description: null,
      url: 'https://catalogue.example.org/search',
      proposalTemplate: false,
      requiresExperiment: false,
    })
    changed.assertStatus(200)
    assert.containsSubset(changed.body().data, {
      description: null,
      url: 'https://catalogue.example.org/search',
      origin: 'https://catalogue.example.org',
      proposalTemplate: false,
      requiresExperiment: false,
    })

    const unchanged = await api.patch(`${ADMIN_BASE}/${link.id}`, { enabled: true })
    unchanged.assertStatus(200)

    const disabled = await api.patch(`${ADMIN_BASE}/${link.id}`, { enabled: false })
    disabled.assertStatus(200)
    assert.isFalse(disabled.body().data.enabled)

    const listed = await api.get(`${ADMIN_BASE}?enabled=false`)
    listed.assertStatus(200)
    assert.deepEqual(
      listed.body().data.map((item: { id: number }) => item.id),
      [link.id]
    )

    ;(await api.delete(`${ADMIN_BASE}/${link.id}`)).assertStatus(204)
    ;(await api.get(`${ADMIN_BASE}/${link.id}`)).assertStatus(404)

    const events = await AuditEvent.query()
      .where('action', 'like', 'link.%')
      .where('object_id', String(link.id))
      .orderBy('id', 'asc')
    assert.deepEqual(
      events.map((event) => event.action),
      ['link.create', 'link.update', 'link.update', 'link.delete']
    )
    assert.isTrue(events.every((event) => event.actorId === user.id))
    assert.deepEqual(events[1].details, {
      name: 'E-logbook',
      changed: ['description', 'url', 'proposalTemplate', 'requiresExperiment'],
      url: 'https://catalogue.example.org/search',
    })
    assert.deepEqual(events[2].details, { name: 'E-logbook', changed: ['enabled'] })
  })

  test('an internationalised host is stored, compared and opened in its ASCII (punycode) form', async ({
    client,
    assert,
  }) => {
    const { api } = await person(client, ['admin'])
    const created = await api.post(
      ADMIN_BASE,
      linkInput({ url: 'https://Lögbook.example.org:8443/proposals/{proposal}/entries' })
    )
    created.assertStatus(201)
    const link = created.body().data
    assert.equal(link.url, 'https://xn--lgbook-wxa.example.org:8443/proposals/{proposal}/entries')
    assert.equal(link.origin, 'https://xn--lgbook-wxa.example.org:8443')
    const [event] = await auditRows('link.create')
    assert.equal(event.details!.url, link.url)

    // The same address in Unicode is no change; another one is, stored in ASCII too.
    const same = await api.patch(`${ADMIN_BASE}/${link.id}`, {
      url: 'https://lögbook.example.org:8443/proposals/{proposal}/entries',
    })
    same.assertStatus(200)
    assert.equal(same.body().data.url, link.url)
    assert.lengthOf(await auditRows('link.update'), 0)
    const moved = await api.patch(`${ADMIN_BASE}/${link.id}`, {
      url: 'https://日本.example/p/{proposal}',
    })
    moved.assertStatus(200)
    assert.equal(moved.body().data.url, 'https://xn--wgv71a.example/p/{proposal}')
    const [update] = await auditRows('link.update')
    assert.deepEqual(update.details!.changed, ['url'])

    // Opened, it leads to the ASCII host with the proposal encoded.
    const { api: scientist, user } = await person(client)
    const experiment = await createExperiment({ members: [user], fields: { proposalId: 'MX-7' } })
    const opened = await scientist.post(`${USER_BASE}/${link.id}/open`, {
      experimentId: experiment.id,
    })
    opened.assertStatus(200)
    assert.equal(opened.body().data.url, 'https://xn--wgv71a.example/p/MX-7')
  })

  test('a taken name is a conflict', async ({ client, assert }) => {
    const { api } = await person(client, ['admin'])
    ;(await api.post(ADMIN_BASE, linkInput({ name: 'Logbook' }))).assertStatus(201)
    const again = await api.post(ADMIN_BASE, linkInput({ name: 'Logbook' }))
    again.assertStatus(409)
    assert.equal(again.body().errors[0].code, 'E_CONFLICT')
  })

  for (const [what, url] of [...HOSTILE_URLS, ...INTERNATIONALISED_HOSTILE_URLS]) {
    test(`refuses a URL with ${what} (422 on url, nothing stored)`, async ({ client, assert }) => {
      const { api } = await person(client, ['admin'])
      const before = await footprint()
      const response = await api.post(ADMIN_BASE, linkInput({ url }))
      response.assertStatus(422)
      assert.equal(response.body().errors[0].field, 'url')
      assert.deepEqual(await footprint(), before)
    })
  }

  test('the placeholder needs proposalTemplate, and proposalTemplate needs an experiment', async ({
    client,
    assert,
  }) => {
    const { api } = await person(client, ['admin'])
    const before = await footprint()

    const untemplated = await api.post(ADMIN_BASE, linkInput({ proposalTemplate: false }))
    untemplated.assertStatus(422)
    assert.equal(untemplated.body().errors[0].field, 'url')

    const withoutPlaceholder = await api.post(
      ADMIN_BASE,
      linkInput({ url: 'https://logbook.example.org/' })
    )
    withoutPlaceholder.assertStatus(422)
    assert.equal(withoutPlaceholder.body().errors[0].field, 'url')

    const withoutExperiment = await api.post(ADMIN_BASE, linkInput({ requiresExperiment: false }))
    withoutExperiment.assertStatus(422)
    assert.equal(withoutExperiment.body().errors[0].field, 'requiresExperiment')
    assert.deepEqual(await footprint(), before)

    // An update is checked with the values the link would end up with.
    const link = await createLink()
    const before2 = await footprint()
    const flagOnly = await api.patch(`${ADMIN_BASE}/${link.id}`, { proposalTemplate: false })
    flagOnly.assertStatus(422)
    assert.equal(flagOnly.body().errors[0].field, 'url')
    const hostile = await api.patch(`${ADMIN_BASE}/${link.id}`, {
      url: 'https://{proposal}.example.org/',
    })
    hostile.assertStatus(422)
    assert.equal(hostile.body().errors[0].field, 'url')
    assert.deepEqual(await footprint(), before2)
  })

  test('scientists cannot curate the catalogue', async ({ client, assert }) => {
    const { api } = await person(client)
    const link = await createLink()
    const before = await footprint()
    ;(await api.get(ADMIN_BASE)).assertStatus(403)
    ;(await api.post(ADMIN_BASE, linkInput())).assertStatus(403)
    ;(await api.patch(`${ADMIN_BASE}/${link.id}`, { enabled: false })).assertStatus(403)
    ;(await api.delete(`${ADMIN_BASE}/${link.id}`)).assertStatus(403)
    assert.deepEqual(await footprint(), before)
  })
})

test.group('Links: opening', (group) => {
  isolateEachTest(group)

  test('lists the enabled links the caller’s roles allow, beside no URL', async ({
    client,
    assert,
  }) => {
    const { api } = await person(client)
    const { api: adminApi } = await person(client, ['admin'])
    const open = await createLink({ name: 'A logbook' })
    await createLink({ name: 'B hidden', enabled: false })
    const staff = await createLink({ name: 'C staff wiki', allowedRoles: ['admin'] })

    const listed = await api.get(USER_BASE)
    listed.assertStatus(200)
    assert.deepEqual(listed.body().data, [
      {
        id: open.id,
        name: 'A logbook',
        description: null,
        origin: 'https://logbook.example.org',
        proposalTemplate: true,
        requiresExperiment: true,
      },
    ])
    const forAdmin = await adminApi.get(`${USER_BASE}?search=staff`)
    assert.deepEqual(
      forAdmin.body().data.map((item: { id: number }) => item.id),
      [staff.id]
    )
  })

  test('opens a templated link for the caller’s experiment, the proposal id encoded, audited', async ({
    client,
    assert,
  }) => {
    const { api, user } = await person(client)
    const experiment = await createExperiment({
      members: [user],
      fields: { proposalId: 'MX 2026/01?#@evil.example.net' },
    })
    const link = await createLink({
      url: 'https://logbook.example.org/proposals/{proposal}/entries?p={proposal}',
    })

    const opened = await api.post(`${USER_BASE}/${link.id}/open`, { experimentId: experiment.id })
    opened.assertStatus(200)
    const url = opened.body().data.url
    assert.equal(
      url,
      'https://logbook.example.org/proposals/MX%202026%2F01%3F%23%40evil.example.net/entries?p=MX%202026%2F01%3F%23%40evil.example.net'
    )
    assert.equal(new URL(url).origin, 'https://logbook.example.org')

    const [event] = await auditRows('link.open')
    assert.equal(event.actorId, user.id)
    assert.equal(event.objectId, String(link.id))
    assert.equal(event.outcome, 'success')
    assert.deepEqual(event.details, {
      name: link.name,
      experimentId: experiment.id,
      proposalId: 'MX 2026/01?#@evil.example.net',
    })
  })

  for (const proposalId of [
    '//evil.example.net',
    '@evil.example.net',
    '\\\\evil.example.net',
    '%2F%2Fevil.example.net',
    '..%2F..%2F',
    'https://evil.example.net/',
  ]) {
    test(`a proposal id of ${JSON.stringify(proposalId)} never leaves the admin's origin`, async ({
      client,
      assert,
    }) => {
      const { api, user } = await person(client)
      const experiment = await createExperiment({ members: [user], fields: { proposalId } })
      const link = await createLink({ url: 'https://logbook.example.org/{proposal}' })
      const opened = await api.post(`${USER_BASE}/${link.id}/open`, {
        experimentId: experiment.id,
      })
      opened.assertStatus(200)
      const url = new URL(opened.body().data.url)
      assert.equal(url.origin, 'https://logbook.example.org')
      assert.equal(decodeURIComponent(url.pathname.slice(1)), proposalId)
    })
  }

  test('a dot segment proposal id is refused rather than climbing the path', async ({
    client,
    assert,
  }) => {
    const { api, user } = await person(client)
    const experiment = await createExperiment({ members: [user], fields: { proposalId: '..' } })
    const link = await createLink({ url: 'https://logbook.example.org/p/{proposal}/x' })
    const opened = await api.post(`${USER_BASE}/${link.id}/open`, { experimentId: experiment.id })
    opened.assertStatus(409)
    assert.equal(opened.body().errors[0].code, 'E_CONFLICT')
    assert.lengthOf(await auditRows('link.open'), 0)
  })

  test('another user’s experiment answers 404 like a missing one, and nothing is audited', async ({
    client,
    assert,
  }) => {
    const { api } = await person(client)
    const { user: other } = await person(client)
    const theirs = await createExperiment({ members: [other] })
    const link = await createLink()

    const foreign = await api.post(`${USER_BASE}/${link.id}/open`, { experimentId: theirs.id })
    foreign.assertStatus(404)
    const missing = await api.post(`${USER_BASE}/${link.id}/open`, { experimentId: 2_000_000_000 })
    missing.assertStatus(404)
    assert.deepEqual(foreign.body(), missing.body())
    assert.lengthOf(await auditRows('link.open'), 0)
  })

  test('a link that requires an experiment needs experimentId (422)', async ({
    client,
    assert,
  }) => {
    const { api } = await person(client)
    const link = await createLink()
    const response = await api.post(`${USER_BASE}/${link.id}/open`, {})
    response.assertStatus(422)
    assert.equal(response.body().errors[0].field, 'experimentId')
  })

  test('a disabled link, a role-restricted one and a missing one answer 404 alike', async ({
    client,
    assert,
  }) => {
    const { api, user } = await person(client)
    const experiment = await createExperiment({ members: [user] })
    const disabled = await createLink({ enabled: false })
    const staff = await createLink({ allowedRoles: ['admin'] })
    const body = { experimentId: experiment.id }

    const answers = [
      await api.post(`${USER_BASE}/${disabled.id}/open`, body),
      await api.post(`${USER_BASE}/${staff.id}/open`, body),
      await api.post(`${USER_BASE}/2000000000/open`, body),
    ]
    for (const answer of answers) {
      answer.assertStatus(404)
      assert.deepEqual(answer.body(), answers[2].body())
    }
    assert.lengthOf(await auditRows('link.open'), 0)

    const { api: adminApi, user: admin } = await person(client, ['admin'])
    const adminsExperiment = await createExperiment({ members: [admin] })
    const forAdmin = await adminApi.post(`${USER_BASE}/${staff.id}/open`, {
      experimentId: adminsExperiment.id,
    })
    forAdmin.assertStatus(200)
  })

  test('a plain link opens without an experiment, its URL exactly the admin’s', async ({
    client,
    assert,
  }) => {
    const { api } = await person(client)
    const link = await createLink({
      url: 'https://jupyterhub.example.org/hub/login?next=%2Fhub%2Fhome',
      proposalTemplate: false,
      requiresExperiment: false,
    })
    const opened = await api.post(`${USER_BASE}/${link.id}/open`)
    opened.assertStatus(200)
    assert.equal(
      opened.body().data.url,
      'https://jupyterhub.example.org/hub/login?next=%2Fhub%2Fhome'
    )
    const [event] = await auditRows('link.open')
    assert.deepEqual(event.details, { name: link.name, experimentId: null, proposalId: null })
  })

  test('opening a link takes no quota', async ({ client, assert }) => {
    const { api, user } = await person(client)
    const experiment = await createExperiment({ members: [user] })
    const link = await createLink()
    const before = (await api.get('/api/v1/quota')).body()
    for (let i = 0; i < 3; i++) {
      ;(
        await api.post(`${USER_BASE}/${link.id}/open`, { experimentId: experiment.id })
      ).assertStatus(200)
    }
    assert.deepEqual((await api.get('/api/v1/quota')).body(), before)
    assert.lengthOf(await auditRows('link.open'), 3)
  })
})
