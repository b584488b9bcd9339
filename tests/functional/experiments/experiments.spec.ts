import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from '@japa/runner'
import type { ApiClient } from '@japa/api-client'
import db from '@adonisjs/lucid/services/db'
import experimentsConfig from '#config/experiments'
import Experiment from '#models/experiment'
import ExperimentSession from '#models/experiment_session'
import { createUser, FACTORY_PASSWORD } from '#database/factories/user_factory'
import { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'
import { setCredentialCacheTtl } from '#tests/helpers/credential_cache'
import { testUserOffice } from '#tests/helpers/test_user_office'
import { makeExperiments, type UoExperiment } from '#tests/helpers/user_office_server'
import {
  ExperimentFactory,
  ExperimentMemberFactory,
  ExperimentSessionFactory,
} from '#database/factories/experiment_factory'

const { datasetsRoot } = experimentsConfig.mountPolicy

/** Signs a User Office user in (which syncs their experiments). */
async function facilityUser(client: ApiClient, username: string, experiments: UoExperiment[]) {
  testUserOffice.addAccount({ username, password: 'pw' })
  testUserOffice.setExperiments(username, experiments)
  const browser = new ApiSession(client)
  ;(await browser.login(username, 'pw')).assertStatus(200)
  return browser
}

function proposals(response: { body(): any }) {
  return response.body().data.map((experiment: { proposalId: string }) => experiment.proposalId)
}

async function makeStale(username: string) {
  await db
    .from('users')
    .where('username', username)
    .update({ experiments_synced_at: new Date('2000-01-01T00:00:00Z') })
}

test.group('Experiments synced from the User Office', (group) => {
  isolateEachTest(group)

  test('sign-in syncs every page, and the list shows them', async ({ client, assert }) => {
    const browser = await facilityUser(client, 'jdoe', makeExperiments(25, { prefix: 'P' }))

    assert.equal(testUserOffice.requestsTo('experiments'), 3, 'pages of 10')
    const list = await browser.get('/api/v1/experiments?perPage=100&sort=proposalId')
    list.assertStatus(200)
    assert.lengthOf(list.body().data, 25)
    assert.equal(proposals(list)[0], 'P0001')
    assert.include(list.body().meta, { total: 25, stale: false })
    assert.isString(list.body().meta.lastSyncedAt)
    assert.deepEqual(testUserOffice.requests.at(-1)!.basicAuth, {
      username: 'portal-service',
      password: 'uo-service-secret',
    })
  })

  test('a membership the User Office no longer lists disappears on sync', async ({
    client,
    assert,
  }) => {
    const experiments = makeExperiments(3, { prefix: 'R' })
    const browser = await facilityUser(client, 'jdoe', experiments)
    const revoked = (await Experiment.findByOrFail('proposal_id', 'R0002')).id

    testUserOffice.setExperiments('jdoe', [experiments[0], experiments[2]])
    const sync = await browser.post('/api/v1/experiments/sync')
    sync.assertStatus(200)
    assert.include(sync.body().data, { source: 'useroffice', experiments: 2 })

    assert.sameMembers(proposals(await browser.get('/api/v1/experiments')), ['R0001', 'R0003'])
    ;(await browser.get(`/api/v1/experiments/${revoked}`)).assertStatus(404)
  })

  test('after a sync the next request sees its time, also with the credential cache on', async ({
    client,
    assert,
    cleanup,
  }) => {
    cleanup(setCredentialCacheTtl(60_000))
    const browser = await facilityUser(client, 'jdoe', makeExperiments(2, { prefix: 'C' }))
    ;(await browser.get('/api/v1/me')).assertStatus(200)
    await new Promise((resolve) => setTimeout(resolve, 1_100))
    const sync = await browser.post('/api/v1/experiments/sync')
    sync.assertStatus(200)
    const list = await browser.get('/api/v1/experiments')
    const apart = Date.parse(list.body().meta.lastSyncedAt) - Date.parse(sync.body().data.syncedAt)
    assert.isBelow(Math.abs(apart), 1_000)
  })

  test('updates titles and sessions, and keeps favourites across syncs', async ({
    client,
    assert,
  }) => {
    const experiments = makeExperiments(1, { prefix: 'U', sessionsPer: 2 })
    const browser = await facilityUser(client, 'jdoe', experiments)
    const id = (await Experiment.findByOrFail('proposal_id', 'U0001')).id
    ;(await browser.put(`/api/v1/experiments/${id}/favorite`, { favorite: true })).assertStatus(200)

    testUserOffice.setExperiments('jdoe', [
      { ...experiments[0], subject: 'Renamed', sessions: [experiments[0].sessions[1]] },
    ])
    await browser.post('/api/v1/experiments/sync')

    const shown = (await browser.get(`/api/v1/experiments/${id}`)).body().data
    assert.equal(shown.title, 'Renamed')
    assert.isTrue(shown.favorite)
    assert.deepEqual(
      shown.sessions.map((session: { sessionNumber: string }) => session.sessionNumber),
      [experiments[0].sessions[1].session_number]
    )
  })

  test('serves the last synced data, marked stale, when the User Office is down', async ({
    client,
    assert,
  }) => {
    const browser = await facilityUser(client, 'jdoe', makeExperiments(4, { prefix: 'D' }))
    testUserOffice.setFault({ kind: 'status', status: 503 }, 'experiments')

    const sync = await browser.post('/api/v1/experiments/sync')
    sync.assertStatus(503)
    assert.equal(sync.body().errors[0].code, 'E_USER_OFFICE_UNAVAILABLE')

    await makeStale('jdoe')
    const list = await browser.get('/api/v1/experiments')
    list.assertStatus(200)
    assert.lengthOf(list.body().data, 4)
    assert.isTrue(list.body().meta.stale)
  })

  test('a slow User Office costs one timeout, then stored data is served', async ({
    client,
    assert,
  }) => {
    const browser = await facilityUser(client, 'jdoe', makeExperiments(2, { prefix: 'S' }))
    await makeStale('jdoe')
    testUserOffice.delayMs = 3000

    const startedAt = Date.now()
    const list = await browser.get('/api/v1/experiments')
    assert.isBelow(Date.now() - startedAt, 5000)
    assert.isTrue(list.body().meta.stale)
    assert.lengthOf(list.body().data, 2)

    // Within a minute of a failure, reads do not wait for the User Office again.
    const again = Date.now()
    await browser.get('/api/v1/experiments')
    assert.isBelow(Date.now() - again, 500)
  })

  test('a malformed answer never wipes what the portal knows', async ({ client, assert }) => {
    const browser = await facilityUser(client, 'jdoe', makeExperiments(3, { prefix: 'M' }))
    for (const fault of [{ kind: 'malformed' }, { kind: 'wrongShape' }] as const) {
      testUserOffice.setFault(fault, 'experiments')
      ;(await browser.post('/api/v1/experiments/sync')).assertStatus(503)
    }
    testUserOffice.setFault(null)
    testUserOffice.setExperiments('jdoe', [{ ...makeExperiments(1)[0], proposal_id: '' }])
    ;(await browser.post('/api/v1/experiments/sync')).assertStatus(503)
    assert.lengthOf((await browser.get('/api/v1/experiments')).body().data, 3)
  })

  test('a sign-in still succeeds when the sync fails', async ({ client }) => {
    testUserOffice.setFault({ kind: 'reset' }, 'experiments')
    const browser = await facilityUser(client, 'jdoe', makeExperiments(1))
    ;(await browser.get('/api/v1/me')).assertStatus(200)
  })

  test('accepts the misspelled "sesion_number" key', async ({ client, assert }) => {
    testUserOffice.misspellSessionNumber = true
    const browser = await facilityUser(
      client,
      'jdoe',
      makeExperiments(1, { prefix: 'Z', sessionsPer: 2 })
    )
    const id = (await Experiment.findByOrFail('proposal_id', 'Z0001')).id
    const shown = (await browser.get(`/api/v1/experiments/${id}`)).body().data
    assert.lengthOf(shown.sessions, 2)
  })

  test('sync is throttled', async ({ client }) => {
    const browser = await facilityUser(client, 'jdoe', makeExperiments(1))
    for (let attempt = 1; attempt <= 6; attempt++) {
      ;(await browser.post('/api/v1/experiments/sync')).assertStatus(200)
    }
    ;(await browser.post('/api/v1/experiments/sync')).assertStatus(429)
  })

  test('a local account has nothing to sync', async ({ client, assert }) => {
    const user = await createUser()
    const browser = new ApiSession(client)
    await browser.login(user.username, FACTORY_PASSWORD)
    const sync = await browser.post('/api/v1/experiments/sync')
    sync.assertStatus(200)
    assert.deepEqual(sync.body().data, { source: 'local', syncedAt: null, experiments: null })
    assert.equal(testUserOffice.requestsTo('experiments'), 0)
  })
})

test.group('Experiments: search, sort, favourites, privacy', (group) => {
  isolateEachTest(group)

  const catalogue: UoExperiment[] = [
    {
      ...makeExperiments(1)[0],
      proposal_id: 'A-100',
      subject: 'Zeolite diffusion',
      body: 'Pores.',
      beam_line: 'ID11',
    },
    {
      ...makeExperiments(1)[0],
      proposal_id: 'B-200',
      subject: 'Protein crystals',
      body: 'Lysozyme.',
      beam_line: 'BM29',
    },
    {
      ...makeExperiments(1)[0],
      proposal_id: 'C-300',
      subject: 'Battery 50% cycling',
      body: 'Anodes.',
      beam_line: 'ID11',
    },
  ]

  test('searches proposal id, title, abstract and instrument', async ({ client, assert }) => {
    const browser = await facilityUser(client, 'jdoe', catalogue)
    assert.deepEqual(proposals(await browser.get('/api/v1/experiments?search=protein')), ['B-200'])
    assert.sameMembers(proposals(await browser.get('/api/v1/experiments?search=id11')), [
      'A-100',
      'C-300',
    ])
    assert.deepEqual(proposals(await browser.get('/api/v1/experiments?search=a-1')), ['A-100'])
    assert.deepEqual(
      proposals(await browser.get(`/api/v1/experiments?search=${encodeURIComponent('50%')}`)),
      ['C-300']
    )
    assert.deepEqual(proposals(await browser.get('/api/v1/experiments?search=%25')), ['C-300'])
  })

  test('sorts by each key in both directions', async ({ client, assert }) => {
    const browser = await facilityUser(client, 'jdoe', catalogue)
    assert.deepEqual(proposals(await browser.get('/api/v1/experiments?sort=title')), [
      'C-300',
      'B-200',
      'A-100',
    ])
    assert.deepEqual(proposals(await browser.get('/api/v1/experiments?sort=-proposalId')), [
      'C-300',
      'B-200',
      'A-100',
    ])
    assert.deepEqual(
      proposals(await browser.get('/api/v1/experiments?sort=instrument')).slice(0, 1),
      ['B-200']
    )
    ;(await browser.get('/api/v1/experiments?sort=startDate')).assertStatus(200)
    const bad = await browser.get('/api/v1/experiments?sort=password')
    bad.assertStatus(422)
    assert.equal(bad.body().errors[0].field, 'sort')
  })

  test('filters favourites', async ({ client, assert }) => {
    const browser = await facilityUser(client, 'jdoe', catalogue)
    const id = (await Experiment.findByOrFail('proposal_id', 'B-200')).id
    const marked = await browser.put(`/api/v1/experiments/${id}/favorite`, { favorite: true })
    marked.assertStatus(200)
    assert.isTrue(marked.body().data.favorite)

    assert.deepEqual(proposals(await browser.get('/api/v1/experiments?favorite=true')), ['B-200'])
    assert.sameMembers(proposals(await browser.get('/api/v1/experiments?favorite=false')), [
      'A-100',
      'C-300',
    ])
    const bad = await browser.put(`/api/v1/experiments/${id}/favorite`, { favorite: 'yes' })
    bad.assertStatus(422)
    assert.equal(bad.body().errors[0].field, 'favorite')
  })

  test("another user's experiment is invisible through every endpoint", async ({
    client,
    assert,
  }) => {
    const alice = await facilityUser(client, 'alice', [catalogue[0]])
    const bob = await facilityUser(client, 'bob', [catalogue[1]])
    const bobsId = (await Experiment.findByOrFail('proposal_id', 'B-200')).id

    ;(await alice.get(`/api/v1/experiments/${bobsId}`)).assertStatus(404)
    ;(await alice.put(`/api/v1/experiments/${bobsId}/favorite`, { favorite: true })).assertStatus(
      404
    )
    assert.deepEqual(proposals(await alice.get('/api/v1/experiments?search=B-200')), [])
    assert.deepEqual(proposals(await alice.get('/api/v1/experiments?perPage=100')), ['A-100'])
    assert.deepEqual(proposals(await bob.get('/api/v1/experiments?favorite=false')), ['B-200'])
    ;(await alice.get('/api/v1/experiments/999999')).assertStatus(404)
  })
})

test.group('Experiment sessions and dataset mounts', (group) => {
  isolateEachTest(group)

  test('shows container paths and modes, never host paths', async ({ client, assert }) => {
    const raw = `${datasetsRoot}/MNT-1/s1/raw`
    await mkdir(raw, { recursive: true })
    const experiment: UoExperiment = {
      ...makeExperiments(1, { prefix: 'MNT-', sessionsPer: 1 })[0],
      proposal_id: 'MNT-1',
    }
    experiment.sessions = [
      {
        ...experiment.sessions[0],
        session_number: 's1',
        data_set_path: JSON.stringify({ [raw]: { bind: '/raw', mode: 'ro' } }),
      },
      {
        ...experiment.sessions[0],
        session_number: 's2',
        data_set_path: `{'/etc': {'bind': 'etc', 'mode': 'ro'}}`,
      },
    ]
    const browser = await facilityUser(client, 'jdoe', [experiment])
    const id = (await Experiment.findByOrFail('proposal_id', 'MNT-1')).id

    const shown = await browser.get(`/api/v1/experiments/${id}`)
    shown.assertStatus(200)
    const [good, bad] = shown.body().data.sessions
    assert.deepEqual(good.mounts, [{ containerPath: '/data/raw', mode: 'ro' }])
    assert.isTrue(good.launchable)
    assert.isFalse(bad.launchable)
    assert.deepEqual(bad.mounts, [])
    assert.equal(bad.mountErrors[0].code, 'E_MOUNT_OUTSIDE_ROOT')
    assert.notInclude(JSON.stringify(shown.body()), datasetsRoot)
    assert.notInclude(JSON.stringify(shown.body()), '"/etc"')
  })
  test('shows a check stored under the old bind rules rechecked, and stores it at the next edit', async ({
    client,
    assert,
    cleanup,
  }) => {
    const data = join(datasetsRoot, 'STALE-1')
    await mkdir(data, { recursive: true })
    cleanup(() => rm(data, { recursive: true, force: true }))
    const scientist = await createUser()
    const admin = await createUser({ roles: ['admin'] })
    const experiment = await ExperimentFactory.merge({
      proposalId: 'STALE-1',
      title: 'Stored before the upgrade',
      source: 'local',
    }).create()
    await ExperimentMemberFactory.merge({
      experimentId: experiment.id,
      userId: scientist.id,
      role: 'member',
      favorite: false,
      source: 'local',
    }).create()
    const dataSetPath = JSON.stringify({ [data]: { bind: '/2019001', mode: 'ro' } })
    // What the portal stored when a bind had to be an absolute path under a mount point.
    const session = await ExperimentSessionFactory.merge({
      experimentId: experiment.id,
      sessionNumber: '1',
      dataSetPath,
      mounts: {
        mounts: [],
        errors: [
          {
            code: 'E_MOUNT_CONTAINER_PATH',
            message: 'The container path is not under a configured ro mount point',
            hostPath: data,
            containerPath: '/2019001',
          },
        ],
        launchable: false,
      },
    }).create()
    const current = {
      launchable: true,
      mounts: [{ containerPath: '/data/2019001', mode: 'ro' }],
      mountErrors: [],
    }

    const member = new ApiSession(client)
    await member.login(scientist.username, FACTORY_PASSWORD)
    const shown = await member.get(`/api/v1/experiments/${experiment.id}`)
    shown.assertStatus(200)
    assert.containsSubset(shown.body().data.sessions[0], current)

    const administrator = new ApiSession(client)
    await administrator.login(admin.username, FACTORY_PASSWORD)
    const adminView = await administrator.get(`/api/v1/admin/experiments/${experiment.id}`)
    assert.containsSubset(adminView.body().data.sessions[0], current)
    await session.refresh()
    assert.isFalse(session.mounts.launchable, 'a read stores nothing')

    const edited = await administrator.put(
      `/api/v1/admin/experiments/${experiment.id}/sessions/1`,
      { dataSetPath }
    )
    edited.assertStatus(200)
    assert.containsSubset(edited.body().data, current)
    await session.refresh()
    assert.isTrue(session.mounts.launchable, 'the edit stored the current check')
  })
  test('a sync stores the current check over one made under the old bind rules', async ({
    client,
    assert,
  }) => {
    const experiment: UoExperiment = makeExperiments(1, { prefix: 'RESYNC-', sessionsPer: 1 })[0]
    const browser = await facilityUser(client, 'jdoe', [experiment])
    const id = (await Experiment.findByOrFail('proposal_id', experiment.proposal_id)).id
    const session = await ExperimentSession.findByOrFail('experiment_id', id)
    const current = session.mounts
    const { rules, ...withoutRules } = current
    assert.isString(rules)
    // As stored before the check recorded its rules; the User Office answer is unchanged.
    await db
      .from('experiment_sessions')
      .where('id', session.id)
      .update({ mounts: JSON.stringify({ ...withoutRules, launchable: true, errors: [] }) })

    ;(await browser.post('/api/v1/experiments/sync')).assertStatus(200)
    await session.refresh()
    assert.deepEqual(session.mounts, current)
  })
})
