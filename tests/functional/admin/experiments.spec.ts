import { randomUUID } from 'node:crypto'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from '@japa/runner'
import experimentsConfig from '#config/experiments'
import Experiment from '#models/experiment'
import AuditEvent from '#models/audit_event'
import { createUser } from '#database/factories/user_factory'
import { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'
import { signIn } from '#tests/helpers/sign_in'
import { assertAdminOnly, type AdminCall } from '#tests/helpers/admin_only'
import { ExperimentFactory, ExperimentMemberFactory } from '#database/factories/experiment_factory'

const BASE = '/api/v1/admin/experiments'

async function createExperiment(browser: ApiSession, fields: Record<string, unknown> = {}) {
  const response = await browser.post(BASE, {
    proposalId: `P-${randomUUID().slice(0, 8)}`,
    title: 'Local experiment',
    ...fields,
  })
  response.assertStatus(201)
  return response.body().data
}

/** A dataset folder inside the configured datasets root, removed after the test. */
async function datasetFolder(cleanup: (fn: () => Promise<void>) => void) {
  const top = join(experimentsConfig.mountPolicy.datasetsRoot, `test-${randomUUID()}`)
  await mkdir(join(top, 'raw'), { recursive: true })
  cleanup(() => rm(top, { recursive: true, force: true }))
  return join(top, 'raw')
}

function useroffice(proposalId = `UO-${randomUUID().slice(0, 8)}`) {
  return ExperimentFactory.merge({
    proposalId,
    title: 'From the User Office',
    source: 'useroffice',
  }).create()
}

test.group('Admin: local experiments', (group) => {
  isolateEachTest(group)

  test('an admin creates, reads, changes and deletes a local experiment', async ({
    client,
    assert,
  }) => {
    const { browser } = await signIn(client)

    const created = await createExperiment(browser, {
      proposalId: 'LOC-0001',
      title: '  Crystals  ',
      abstract: 'Big ones',
      instrument: 'I11',
      posixUid: 40001,
      posixGid: 40002,
    })
    assert.containsSubset(created, {
      proposalId: 'LOC-0001',
      title: 'Crystals',
      abstract: 'Big ones',
      instrument: 'I11',
      source: 'local',
      startsAt: null,
      lastSyncedAt: null,
      favorite: false,
      posixUid: 40001,
      posixGid: 40002,
      sessions: [],
      members: [],
    })

    const shown = await browser.get(`${BASE}/${created.id}`)
    shown.assertStatus(200)
    assert.deepEqual(shown.body().data, created)

    const changed = await browser.patch(`${BASE}/${created.id}`, {
      title: 'Crystals, revisited',
      abstract: null,
      posixGid: null,
    })
    changed.assertStatus(200)
    assert.containsSubset(changed.body().data, {
      proposalId: 'LOC-0001',
      title: 'Crystals, revisited',
      abstract: null,
      instrument: 'I11',
      posixUid: 40001,
      posixGid: null,
    })

    ;(await browser.delete(`${BASE}/${created.id}`)).assertStatus(204)
    const gone = await browser.get(`${BASE}/${created.id}`)
    gone.assertStatus(404)
    assert.equal(gone.body().errors[0].code, 'E_NOT_FOUND')
  })

  test('lists experiments of both sources with a source filter and pages', async ({
    client,
    assert,
  }) => {
    const { browser } = await signIn(client)
    await createExperiment(browser, { proposalId: 'LOC-A', title: 'Alpha', instrument: 'B24' })
    await createExperiment(browser, { proposalId: 'LOC-B', title: 'Beta 100%' })
    await useroffice('UO-C')

    const all = await browser.get(`${BASE}?perPage=2`)
    all.assertStatus(200)
    assert.lengthOf(all.body().data, 2)
    assert.include(all.body().meta, { total: 3, perPage: 2, currentPage: 1, lastPage: 2 })
    assert.isString(all.body().meta.nextCursor)
    assert.notProperty(all.body().data[0], 'sessions')

    const local = await browser.get(`${BASE}?source=local`)
    assert.sameMembers(
      local.body().data.map((item: { proposalId: string }) => item.proposalId),
      ['LOC-A', 'LOC-B']
    )
    // The search: tests/functional/admin/experiment_search.spec.ts.

    const tooMany = await browser.get(`${BASE}?perPage=101`)
    tooMany.assertStatus(422)
    assert.equal(tooMany.body().errors[0].field, 'perPage')
    const badSource = await browser.get(`${BASE}?source=elsewhere`)
    badSource.assertStatus(422)
    assert.equal(badSource.body().errors[0].field, 'source')
  })

  test('sessions are upserted with their mounts checked and stored', async ({
    client,
    assert,
    cleanup,
  }) => {
    const { browser } = await signIn(client)
    const experiment = await createExperiment(browser)
    const dataset = await datasetFolder(cleanup)
    const sessionUrl = (number: string) => `${BASE}/${experiment.id}/sessions/${number}`

    const good = {
      title: 'First beamtime',
      description: 'Powder',
      startsAt: '2025-03-01T10:00:00+02:00',
      endsAt: '2025-03-02T10:00:00Z',
      dataSetPath: JSON.stringify({ [dataset]: { bind: '/raw', mode: 'ro' } }),
    }
    const created = await browser.put(sessionUrl('S1'), good)
    created.assertStatus(201)
    assert.containsSubset(created.body().data, {
      sessionNumber: 'S1',
      title: 'First beamtime',
      description: 'Powder',
      launchable: true,
      mounts: [{ containerPath: '/data/raw', mode: 'ro' }],
      mountErrors: [],
    })
    assert.equal(Date.parse(created.body().data.startsAt), Date.parse('2025-03-01T08:00:00Z'))
    assert.notProperty(created.body().data, 'dataSetPath')

    const again = await browser.put(sessionUrl('S1'), good)
    again.assertStatus(200)
    assert.equal(again.body().data.id, created.body().data.id)

    // Outside the datasets root: stored, but not launchable.
    const outside = await browser.put(sessionUrl('S2'), {
      startsAt: '2025-02-01T09:00:00Z',
      dataSetPath: JSON.stringify({ '/etc': { bind: '/etc', mode: 'ro' } }),
    })
    outside.assertStatus(201)
    assert.isFalse(outside.body().data.launchable)
    assert.deepEqual(outside.body().data.mounts, [])
    assert.deepEqual(outside.body().data.mountErrors, [
      { code: 'E_MOUNT_OUTSIDE_ROOT', containerPath: '/data/etc' },
    ])

    // Not JSON at all: still not a 422 (the value is data, like the User Office's).
    const garbled = await browser.put(sessionUrl('S3'), { dataSetPath: 'not json {' })
    garbled.assertStatus(201)
    assert.isFalse(garbled.body().data.launchable)
    assert.equal(garbled.body().data.mountErrors[0].code, 'E_MOUNT_PARSE')

    const shown = (await browser.get(`${BASE}/${experiment.id}`)).body().data
    assert.equal(Date.parse(shown.startsAt), Date.parse('2025-02-01T09:00:00Z'))
    assert.sameMembers(
      shown.sessions.map((session: { sessionNumber: string }) => session.sessionNumber),
      ['S1', 'S2', 'S3']
    )

    // PUT replaces the whole session: what is left out becomes null.
    const replaced = await browser.put(sessionUrl('S2'), { title: 'Renamed' })
    replaced.assertStatus(200)
    assert.containsSubset(replaced.body().data, {
      title: 'Renamed',
      startsAt: null,
      launchable: true,
      mountErrors: [],
    })
    const afterReplace = (await browser.get(`${BASE}/${experiment.id}`)).body().data
    assert.equal(Date.parse(afterReplace.startsAt), Date.parse('2025-03-01T08:00:00Z'))

    ;(await browser.delete(sessionUrl('S1'))).assertStatus(204)
    const afterDelete = (await browser.get(`${BASE}/${experiment.id}`)).body().data
    assert.isNull(afterDelete.startsAt)
    ;(await browser.delete(sessionUrl('S1'))).assertStatus(404)
  })

  test('members are added by user id, re-adding sets the role, and removed', async ({
    client,
    assert,
  }) => {
    const { browser } = await signIn(client)
    const experiment = await createExperiment(browser)
    const scientist = await createUser()
    const memberUrl = `${BASE}/${experiment.id}/members/${scientist.id}`

    const added = await browser.put(memberUrl)
    added.assertStatus(201)
    assert.deepEqual(added.body().data, {
      userId: scientist.id,
      username: scientist.username,
      role: 'member',
      source: 'local',
    })
    const promoted = await browser.put(memberUrl, { role: 'PI' })
    promoted.assertStatus(200)
    assert.equal(promoted.body().data.role, 'PI')

    const shown = (await browser.get(`${BASE}/${experiment.id}`)).body().data
    assert.deepEqual(shown.members, [
      { userId: scientist.id, username: scientist.username, role: 'PI', source: 'local' },
    ])

    const longRole = await browser.put(memberUrl, { role: 'x'.repeat(33) })
    longRole.assertStatus(422)
    assert.equal(longRole.body().errors[0].field, 'role')

    ;(await browser.delete(memberUrl)).assertStatus(204)
    ;(await browser.delete(memberUrl)).assertStatus(404)
    ;(await browser.put(`${BASE}/${experiment.id}/members/999999999`)).assertStatus(404)
  })

  test('invalid input is refused with 422 naming the field', async ({ client, assert }) => {
    const { browser } = await signIn(client)
    const experiment = await createExperiment(browser)
    const field = async (response: Promise<any>) => {
      const answer = await response
      answer.assertStatus(422)
      assert.equal(answer.body().errors[0].code, 'E_VALIDATION_ERROR')
      return answer.body().errors.map((error: { field: string }) => error.field)
    }

    assert.include(await field(browser.post(BASE, { proposalId: 'X-1', posixUid: 0 })), 'title')
    assert.include(
      await field(browser.post(BASE, { proposalId: 'X-1', title: 'Root', posixUid: 0 })),
      'posixUid'
    )
    assert.include(
      await field(browser.post(BASE, { proposalId: 'X-1', title: 'Big', posixGid: 2147483648 })),
      'posixGid'
    )
    assert.include(await field(browser.patch(`${BASE}/${experiment.id}`, { title: '' })), 'title')
    assert.include(
      await field(
        browser.put(`${BASE}/${experiment.id}/sessions/S1`, {
          startsAt: '2025-03-02T10:00:00Z',
          endsAt: '2025-03-02T09:59:59Z',
        })
      ),
      'endsAt'
    )
    assert.include(
      await field(browser.put(`${BASE}/${experiment.id}/sessions/S1`, { startsAt: 'yesterday' })),
      'startsAt'
    )
    assert.include(
      await field(browser.put(`${BASE}/${experiment.id}/sessions/S1`, { dataSetPath: 42 })),
      'dataSetPath'
    )
    assert.include(await field(browser.get(`${BASE}/abc`)), 'params.id')
    assert.include(
      await field(browser.put(`${BASE}/${experiment.id}/sessions/bad%20number`, {})),
      'params.sessionNumber'
    )
    assert.include(
      await field(browser.delete(`${BASE}/${experiment.id}/members/-3`)),
      'params.userId'
    )

    // Nothing was written by the refused requests.
    const shown = (await browser.get(`${BASE}/${experiment.id}`)).body().data
    assert.deepEqual(shown.sessions, [])
    assert.lengthOf(await Experiment.query().where('proposal_id', 'X-1'), 0)
  })

  test('a taken proposal id and User Office experiments answer 409', async ({ client, assert }) => {
    const { browser } = await signIn(client)
    const local = await createExperiment(browser, { proposalId: 'DUP-1' })
    const other = await createExperiment(browser, { proposalId: 'DUP-2' })
    const managed = await useroffice('UO-1')
    const member = await createUser()

    const duplicate = await browser.post(BASE, { proposalId: 'DUP-1', title: 'Again' })
    duplicate.assertStatus(409)
    assert.equal(duplicate.body().errors[0].code, 'E_CONFLICT')
    assert.include(duplicate.body().errors[0].message, 'DUP-1')
    ;(await browser.post(BASE, { proposalId: 'UO-1', title: 'Shadow' })).assertStatus(409)
    ;(await browser.patch(`${BASE}/${other.id}`, { proposalId: 'DUP-1' })).assertStatus(409)

    // One at a time: the test's transaction is a single connection.
    const refusals = [
      () => browser.patch(`${BASE}/${managed.id}`, { title: 'Mine now' }),
      () => browser.delete(`${BASE}/${managed.id}`),
      () => browser.put(`${BASE}/${managed.id}/sessions/S1`, { title: 'Extra' }),
      () => browser.delete(`${BASE}/${managed.id}/sessions/S1`),
    ]
    for (const refusal of refusals) {
      const response = await refusal()
      response.assertStatus(409)
      assert.equal(response.body().errors[0].code, 'E_CONFLICT')
      assert.include(response.body().errors[0].message, 'User Office')
    }

    await managed.refresh()
    assert.equal(managed.title, 'From the User Office')

    // Support staff can be added to a User Office experiment (a local membership,
    // which syncs leave alone) and removed again; the User Office's own cannot.
    ;(
      await browser.put(`${BASE}/${managed.id}/members/${member.id}`, { role: 'support' })
    ).assertStatus(201)
    ;(await browser.delete(`${BASE}/${managed.id}/members/${member.id}`)).assertStatus(204)
    const scientist = await createUser()
    await ExperimentMemberFactory.merge({
      experimentId: managed.id,
      userId: scientist.id,
      role: 'member',
      favorite: false,
      source: 'useroffice',
    }).create()
    const refused = await browser.delete(`${BASE}/${managed.id}/members/${scientist.id}`)
    refused.assertStatus(409)
    assert.include(refused.body().errors[0].message, 'User Office')
    const shown = (await browser.get(`${BASE}/${managed.id}`)).body().data
    assert.equal(shown.source, 'useroffice')
    assert.equal((await browser.get(`${BASE}/${local.id}`)).body().data.proposalId, 'DUP-1')
  })

  test('unknown experiments, sessions and users answer 404', async ({ client, assert }) => {
    const { browser } = await signIn(client)
    const experiment = await createExperiment(browser)
    const user = await createUser()
    const missing = `${BASE}/2000000000`

    const calls = [
      () => browser.get(missing),
      () => browser.patch(missing, { title: 'Nope' }),
      () => browser.delete(missing),
      () => browser.put(`${missing}/sessions/S1`, {}),
      () => browser.delete(`${missing}/sessions/S1`),
      () => browser.put(`${missing}/members/${user.id}`),
      () => browser.delete(`${missing}/members/${user.id}`),
      () => browser.delete(`${BASE}/${experiment.id}/sessions/S404`),
      () => browser.put(`${BASE}/${experiment.id}/members/2000000000`),
      () => browser.delete(`${BASE}/${experiment.id}/members/${user.id}`),
    ]
    for (const call of calls) {
      const response = await call()
      response.assertStatus(404)
      assert.equal(response.body().errors[0].code, 'E_NOT_FOUND')
    }
  })

  test('a scientist is refused with 403 and an anonymous caller with 401 everywhere', async ({
    client,
    assert,
  }) => {
    const { browser: admin } = await signIn(client)
    const experiment = await createExperiment(admin)
    const { user, browser: scientist } = await signIn(client, [])
    const anonymous = new ApiSession(client)
    await anonymous.get('/api/v1/auth/csrf')

    const id = experiment.id
    const calls: AdminCall[] = [
      ['GET list', (session) => session.get(BASE)],
      ['POST', (session) => session.post(BASE, { proposalId: 'NOPE-1', title: 'No' })],
      ['GET one', (session) => session.get(`${BASE}/${id}`)],
      ['PATCH', (session) => session.patch(`${BASE}/${id}`, { title: 'No' })],
      ['DELETE', (session) => session.delete(`${BASE}/${id}`)],
      ['PUT session', (session) => session.put(`${BASE}/${id}/sessions/S1`, { title: 'No' })],
      ['DELETE session', (session) => session.delete(`${BASE}/${id}/sessions/S1`)],
      ['PUT member', (session) => session.put(`${BASE}/${id}/members/${user.id}`)],
      ['DELETE member', (session) => session.delete(`${BASE}/${id}/members/${user.id}`)],
    ]
    await assertAdminOnly(assert, calls, { scientist, anonymous })

    const untouched = (await admin.get(`${BASE}/${id}`)).body().data
    assert.equal(untouched.title, 'Local experiment')
    assert.deepEqual(untouched.sessions, [])
    assert.deepEqual(untouched.members, [])
  })

  test('every change is audited with its object, and nothing is audited for no change', async ({
    client,
    assert,
  }) => {
    const { user: admin, browser } = await signIn(client)
    const experiment = await createExperiment(browser, { proposalId: 'AUD-1' })
    const scientist = await createUser()
    await browser.patch(`${BASE}/${experiment.id}`, { title: 'Audited' })
    await browser.patch(`${BASE}/${experiment.id}`, { title: 'Audited' })
    await browser.put(`${BASE}/${experiment.id}/sessions/S1`, { title: 'One' })
    await browser.put(`${BASE}/${experiment.id}/sessions/S1`, { title: 'One' })
    await browser.put(`${BASE}/${experiment.id}/members/${scientist.id}`)
    await browser.delete(`${BASE}/${experiment.id}/members/${scientist.id}`)
    await browser.delete(`${BASE}/${experiment.id}/sessions/S1`)
    await browser.delete(`${BASE}/${experiment.id}`)

    const events = await AuditEvent.query()
      .where('action', 'like', 'experiment%')
      .orderBy('id', 'asc')
    assert.deepEqual(
      events.map((event) => [event.action, event.objectType]),
      [
        ['experiment.create', 'experiment'],
        ['experiment.update', 'experiment'],
        ['experiment_session.upsert', 'experiment_session'],
        ['experiment_member.add', 'experiment_member'],
        ['experiment_member.remove', 'experiment_member'],
        ['experiment_session.delete', 'experiment_session'],
        ['experiment.delete', 'experiment'],
      ]
    )
    for (const event of events) {
      assert.equal(event.actorId, admin.id)
      assert.equal(event.outcome, 'success')
      assert.isNotNull(event.objectId)
      assert.equal(event.details?.proposalId, 'AUD-1')
    }
    assert.deepEqual(events[1].details?.changed, ['title'])

    // And the admin can read them back through the API.
    const trail = await browser.get('/api/v1/admin/audit?action=experiment.create')
    assert.equal(trail.body().data[0].objectId, String(experiment.id))
  })
})
