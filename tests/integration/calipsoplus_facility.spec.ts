import { chown, mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from '@japa/runner'
import env from '#start/env'
import { HttpBrowser, PortalProcess, scratchDir } from '#tests/helpers/portal_process'
import { UserOfficeServer, type UoExperiment } from '#tests/helpers/user_office_server'
import { scratchPortalDatabase } from '#tests/helpers/scratch_portal_database'
import { execIn, testEngine, TEST_IMAGES } from '#tests/helpers/docker'
import { logLines } from '#tests/helpers/replica_env'

/*
 * A facility as CalipsoPlus left it, run the way a site runs the portal
 * (a server process with its background jobs): a User Office speaking the
 * CalipsoPlus contract — sessions whose data_set_path binds are sub-paths
 * of the mode's container root, a single-quoted value, the "sesion_number"
 * spelling — on the embedded SQLite database (in a time zone far from UTC)
 * and on MySQL. A scientist signs in (which syncs), keeps working, sees
 * exactly their proposals, and launches every session whose paths are
 * inside the configured roots; the background jobs run clean throughout.
 */

const PASSWORD = 'calipso-scientist-password'
const ADMIN_PASSWORD = 'calipso-admin-password-123'

type Facility = { root: string; datasets: string; output: string }

/** Dataset and output folders as a facility's shared file system holds them. */
async function facilityFolders(): Promise<Facility> {
  const root = await scratchDir('calipso')
  const datasets = join(root, 'datasets')
  const output = join(root, 'output')
  for (const [proposal, session] of [
    ['2019001', '1'],
    ['2019001', '2'],
    ['2019002', '1'],
    ['2019003', '1'],
  ]) {
    await mkdir(join(datasets, proposal, session), { recursive: true })
    await writeFile(
      join(datasets, proposal, session, 'scan.csv'),
      `angle,intensity\n0.1,${proposal}\n0.2,${session}\n`
    )
    // Owned by the experiment's POSIX uid/gid (1000 below), as the facility's file system has it.
    await mkdir(join(output, proposal, session), { recursive: true })
    await chown(join(output, proposal, session), 1000, 1000)
  }
  return { root, datasets, output }
}

function uoSession(number: string, dataSetPath: string, misspelled = false) {
  return {
    ...(misspelled ? { sesion_number: number } : { session_number: number }),
    start_date: '2019-03-04T08:00:00Z',
    end_date: '2019-03-06T08:00:00Z',
    subject: `Beamtime ${number}`,
    body: 'Collected at the facility.',
    data_set_path: dataSetPath,
  } as unknown as UoExperiment['sessions'][number]
}

/** The CalipsoPlus shape: host path → {bind: sub-path of the mode's root, mode}. */
function calipsoPaths(facility: Facility, proposal: string, number: string, quotes = '"') {
  const value = {
    [join(facility.datasets, proposal, number)]: { bind: `/${proposal}/${number}`, mode: 'ro' },
    [join(facility.output, proposal, number)]: { bind: `/${proposal}/${number}`, mode: 'rw' },
  }
  return JSON.stringify(value).replaceAll('"', quotes)
}

function experiments(facility: Facility): Record<string, UoExperiment[]> {
  const experiment = (proposal: string, sessions: UoExperiment['sessions']) => ({
    proposal_id: proposal,
    subject: `Proposal ${proposal}`,
    body: 'Structure of something interesting.',
    beam_line: 'BL13',
    uid: '1000',
    gid: '1000',
    sessions,
  })
  return {
    ada: [
      experiment('2019001', [
        uoSession('1', calipsoPaths(facility, '2019001', '1')),
        // Python-style quotes and the misspelled key occur in the wild.
        uoSession('2', calipsoPaths(facility, '2019001', '2', "'"), true),
        // Outside the configured roots: listed, never launchable.
        uoSession('3', JSON.stringify({ '/etc': { bind: '/etc', mode: 'ro' } })),
      ]),
      experiment('2019002', [uoSession('1', calipsoPaths(facility, '2019002', '1'))]),
    ],
    bob: [experiment('2019003', [uoSession('1', calipsoPaths(facility, '2019003', '1'))])],
  }
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) {
      return value
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

async function environmentState(browser: HttpBrowser, id: number, states: string[]) {
  return waitFor(`environment ${id} to be ${states.join('/')}`, async () => {
    const answer = await browser.request('GET', `/api/v1/environments/${id}`)
    return states.includes(answer.body.data?.state) ? answer.body.data : undefined
  })
}

async function runScenario(
  assert: any,
  portalEnv: Record<string, string>,
  facility: Facility,
  userOffice: UserOfficeServer,
  instanceId: string
) {
  const portal = await PortalProcess.start({
    ...portalEnv,
    ...userOffice.portalEnv(),
    USER_OFFICE_AUTHORIZED_URL: '',
    DATASETS_ROOT: facility.datasets,
    OUTPUT_ROOT: facility.output,
    DOCKER_SOCKET: env.get('DOCKER_SOCKET', '/var/run/docker.sock'),
    DOCKER_NETWORK: 'host',
    PORTAL_INSTANCE_ID: instanceId,
    PORTAL_ADMIN_USERNAME: 'operator',
    PORTAL_ADMIN_PASSWORD: ADMIN_PASSWORD,
    ACCESS_BROKER: 'none',
    ENVIRONMENT_READY_TIMEOUT: '20',
    JOBS_INTERVAL_SECONDS: '1',
  })
  try {
    const operator = new HttpBrowser(portal.baseUrl)
    assert.equal((await operator.login('operator', ADMIN_PASSWORD)).status, 200)
    const image = await operator.request('POST', '/api/v1/admin/images', {
      name: `calipso-httpd-${instanceId}`,
      reference: TEST_IMAGES.httpd,
      driver: 'docker',
      protocol: 'http',
      port: 8080,
      cpu: '250m',
      memory: '64Mi',
      requiresExperiment: true,
    })
    assert.equal(image.status, 201, JSON.stringify(image.body))

    const ada = new HttpBrowser(portal.baseUrl)
    assert.equal((await ada.login('ada', PASSWORD)).status, 200)
    // Keeps working after the sync that sign-in ran (the embedded database once locked them out).
    for (let index = 0; index < 3; index++) {
      assert.equal((await ada.request('GET', '/api/v1/me')).status, 200)
    }
    const listed = await ada.request('GET', '/api/v1/experiments?perPage=100')
    assert.equal(listed.status, 200, JSON.stringify(listed.body))
    assert.sameMembers(
      listed.body.data.map((experiment: { proposalId: string }) => experiment.proposalId),
      ['2019001', '2019002']
    )

    const launchable: { experiment: string; session: string; id: number }[] = []
    for (const { id: experimentId, proposalId } of listed.body.data) {
      const detail = await ada.request('GET', `/api/v1/experiments/${experimentId}`)
      assert.equal(detail.status, 200)
      for (const entry of detail.body.data.sessions) {
        const expected = entry.sessionNumber !== '3'
        assert.equal(entry.launchable, expected, `${proposalId}/${entry.sessionNumber}`)
        if (entry.launchable) {
          assert.sameDeepMembers(
            entry.mounts.map((mount: { containerPath: string; mode: string }) => ({
              containerPath: mount.containerPath,
              mode: mount.mode,
            })),
            [
              { containerPath: `/data/${proposalId}/${entry.sessionNumber}`, mode: 'ro' },
              { containerPath: `/output/${proposalId}/${entry.sessionNumber}`, mode: 'rw' },
            ]
          )
          launchable.push({ experiment: proposalId, session: entry.sessionNumber, id: entry.id })
        }
      }
    }
    assert.lengthOf(launchable, 3)

    const engine = await testEngine()
    const ids: number[] = []
    for (const target of launchable) {
      const created = await ada.request('POST', '/api/v1/environments', {
        imageId: image.body.data.id,
        sessionId: target.id,
      })
      assert.equal(created.status, 202, JSON.stringify(created.body))
      ids.push(created.body.data.id)
    }
    for (const [index, id] of ids.entries()) {
      const running = await environmentState(ada, id, ['running', 'failed'])
      assert.equal(running.state, 'running', running.failureReason)
      const { experiment, session: number } = launchable[index]
      const [container] = await engine.listContainers({
        filters: { label: [`facility-portal.environment=${id}`] },
      })
      const data = `/data/${experiment}/${number}`
      const read = await execIn(engine, container.Id, ['cat', `${data}/scan.csv`])
      assert.include(read.stdout, `0.1,${experiment}`)
      const refused = await execIn(engine, container.Id, ['touch', `${data}/new`])
      assert.notEqual(refused.exitCode, 0)
      const written = await execIn(engine, container.Id, [
        'touch',
        `/output/${experiment}/${number}/result.h5`,
      ])
      assert.equal(written.exitCode, 0, written.stderr)

      const access = await ada.request('POST', `/api/v1/environments/${id}/access`)
      assert.equal(access.status, 200, JSON.stringify(access.body))
      const page = await fetch(access.body.data.url, { signal: AbortSignal.timeout(5000) })
      assert.isBelow(page.status, 500)
    }

    // A second sign-in syncs again (rows updated, not created) and everything still answers.
    assert.equal((await new HttpBrowser(portal.baseUrl).login('ada', PASSWORD)).status, 200)
    assert.lengthOf((await ada.request('GET', '/api/v1/environments')).body.data, 3)

    // Background jobs (reconciler, expiry, access cleanup) ran several times meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 2500))
    for (const id of ids) {
      assert.equal((await ada.request('DELETE', `/api/v1/environments/${id}`)).status, 202)
      await environmentState(ada, id, ['removed'])
    }
    const quota = await ada.request('GET', '/api/v1/quota')
    assert.equal(quota.body.data.usage.environments, 0)

    const bob = new HttpBrowser(portal.baseUrl)
    assert.equal((await bob.login('bob', PASSWORD)).status, 200)
    const bobs = await bob.request('GET', '/api/v1/experiments')
    assert.deepEqual(
      bobs.body.data.map((experiment: { proposalId: string }) => experiment.proposalId),
      ['2019003']
    )
  } finally {
    await portal.stop()
  }
  const problems = logLines(portal.stdout).filter((line) => line.level >= 50)
  assert.deepEqual(
    problems.map((line) => `${line.msg}: ${line.err?.message ?? ''}`),
    [],
    'the portal logged errors'
  )
}

test.group('A CalipsoPlus facility on the portal', (group) => {
  let facility: Facility
  const userOffice = new UserOfficeServer({ misspellSessionNumber: false })

  group.setup(async () => {
    facility = await facilityFolders()
    await userOffice.start()
    return async () => {
      await userOffice.stop()
      await rm(facility.root, { recursive: true, force: true })
    }
  })
  group.each.setup(() => {
    userOffice.reset()
    for (const username of ['ada', 'bob']) {
      userOffice.addAccount({ username, password: PASSWORD })
    }
    for (const [username, list] of Object.entries(experiments(facility))) {
      userOffice.setExperiments(username, list)
    }
  })

  test('on the embedded SQLite database, in a time zone far from UTC', async ({
    assert,
    cleanup,
  }) => {
    const dataDir = await scratchDir('calipso-sqlite')
    cleanup(() => rm(dataDir, { recursive: true, force: true }))
    await runScenario(
      assert,
      { DATA_DIR: dataDir, TZ: 'America/St_Johns' },
      facility,
      userOffice,
      'calipso-sqlite'
    )
  }).timeout(180_000)

  test('on MySQL', async ({ assert, cleanup }) => {
    const dataDir = await scratchDir('calipso-mysql')
    const database = await scratchPortalDatabase('calipso')
    cleanup(async () => {
      await database.drop()
      await rm(dataDir, { recursive: true, force: true })
    })
    await runScenario(
      assert,
      { DATA_DIR: dataDir, ...database.portalEnv },
      facility,
      userOffice,
      'calipso-mysql'
    )
  }).timeout(180_000)
})
