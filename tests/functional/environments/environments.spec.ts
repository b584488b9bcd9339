import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from '@japa/runner'
import type { ApiClient } from '@japa/api-client'
import app from '@adonisjs/core/services/app'
import encryption from '@adonisjs/core/services/encryption'
import Environment from '#models/environment'
import Experiment from '#models/experiment'
import experimentsConfig from '#config/experiments'
import DockerDriver from '#services/provisioning/docker_driver'
import EnvironmentProvisioner from '#services/environments/environment_provisioner'
import EnvironmentReconciler from '#services/environments/environment_reconciler'
import { checkSessionMounts } from '#services/experiments/session_mounts'
import { createUser, FACTORY_PASSWORD } from '#database/factories/user_factory'
import { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'
import { createHttpImage, setUserQuota, waitForState } from '#tests/helpers/environments'
import { execIn, testEngine } from '#tests/helpers/docker'
import { UNREACHABLE_IMAGE } from '#tests/helpers/test_registry'
import { testUserOffice } from '#tests/helpers/test_user_office'
import { makeExperiments } from '#tests/helpers/user_office_server'
import {
  ExperimentFactory,
  ExperimentMemberFactory,
  ExperimentSessionFactory,
} from '#database/factories/experiment_factory'

async function signedIn(client: ApiClient) {
  const user = await createUser()
  const browser = new ApiSession(client)
  await browser.login(user.username, FACTORY_PASSWORD)
  return { user, browser }
}

async function instances() {
  const driver = await app.container.make(DockerDriver)
  return driver.list()
}

test.group('Environments: lifecycle on a real Docker engine', (group) => {
  isolateEachTest(group)
  // Background engine work must finish before the test's transaction is rolled back.
  group.each.teardown(() => EnvironmentProvisioner.settle())

  test('requisition → running → stop → start → remove, with quota held and released', async ({
    client,
    assert,
  }) => {
    const { browser } = await signedIn(client)
    const image = await createHttpImage()

    const created = await browser.post('/api/v1/environments', {
      imageId: image.id,
      name: 'my analysis',
    })
    created.assertStatus(202)
    assert.equal(created.body().data.state, 'provisioning')
    const id = created.body().data.id

    const running = await waitForState(browser, id, ['running', 'failed'])
    assert.equal(running.state, 'running', running.failureReason)
    assert.equal(running.name, 'my analysis')
    const engine = (await instances()).find((instance) => instance.environmentId === id)
    assert.isTrue(engine?.running)

    const quota = (await browser.get('/api/v1/quota')).body().data
    assert.include(quota.usage, {
      environments: 1,
      cpuMillicores: 250,
      memoryBytes: 64 * 1024 * 1024,
    })

    ;(await browser.post(`/api/v1/environments/${id}/stop`)).assertStatus(202)
    assert.equal((await waitForState(browser, id, ['stopped', 'failed'])).state, 'stopped')
    const stoppedQuota = (await browser.get('/api/v1/quota')).body().data
    assert.include(stoppedQuota.usage, { environments: 1, cpuMillicores: 0, memoryBytes: 0 })
    ;(await browser.post(`/api/v1/environments/${id}/stop`)).assertStatus(409)

    ;(await browser.post(`/api/v1/environments/${id}/start`)).assertStatus(202)
    assert.equal((await waitForState(browser, id, ['running', 'failed'])).state, 'running')

    ;(await browser.delete(`/api/v1/environments/${id}`)).assertStatus(202)
    assert.equal((await waitForState(browser, id, ['removed'])).state, 'removed')
    assert.notExists((await instances()).find((instance) => instance.environmentId === id))
    assert.include((await browser.get('/api/v1/quota')).body().data.usage, { environments: 0 })
    assert.lengthOf((await browser.get('/api/v1/environments')).body().data, 0)
  })

  test('each environment gets its own secret, passed to the container and stored encrypted', async ({
    client,
    assert,
  }) => {
    const { browser } = await signedIn(client)
    const image = await createHttpImage()
    const ids: number[] = []
    for (let index = 0; index < 2; index++) {
      ids.push((await browser.post('/api/v1/environments', { imageId: image.id })).body().data.id)
    }
    const driver = await app.container.make(DockerDriver)
    const secrets: string[] = []
    for (const id of ids) {
      await waitForState(browser, id, ['running'])
      const engine = (await driver.list()).find((instance) => instance.environmentId === id)!
      const inspected = await driver.inspect(engine.engineId)
      const secret = inspected.Config.Env.find((entry: string) =>
        entry.startsWith('PORTAL_SECRET=')
      )!.slice(14)
      assert.isAtLeast(secret.length, 32)
      const stored = await Environment.findOrFail(id)
      assert.notInclude(stored.secret, secret)
      assert.equal(encryption.decrypt(stored.secret), secret)
      secrets.push(secret)
      assert.notInclude(
        JSON.stringify((await browser.get(`/api/v1/environments/${id}`)).body()),
        secret
      )
    }
    assert.notEqual(secrets[0], secrets[1])
  })

  test('the progress stream reports each step and ends with "ready"', async ({
    client,
    assert,
  }) => {
    const { browser } = await signedIn(client)
    const image = await createHttpImage()
    const id = (await browser.post('/api/v1/environments', { imageId: image.id })).body().data.id

    const response = await browser.request('GET', `/api/v1/environments/${id}/events`)
    response.assertStatus(200)
    assert.include(response.header('content-type'), 'text/event-stream')
    const text = response.text()
    for (const step of ['quota', 'image', 'started', 'reachable']) {
      assert.include(text, `"step":"${step}"`)
    }
    assert.match(text, /event: ready\n/)
  })

  test('refuses a requisition over quota with 409 naming the limit', async ({ client, assert }) => {
    const { user, browser } = await signedIn(client)
    await setUserQuota(user.id, { environments: 1 })
    const image = await createHttpImage()
    const first = await browser.post('/api/v1/environments', { imageId: image.id })
    first.assertStatus(202)

    const second = await browser.post('/api/v1/environments', { imageId: image.id })
    second.assertStatus(409)
    assert.equal(second.body().errors[0].code, 'E_QUOTA_EXCEEDED')
    assert.deepEqual(second.body().errors[0].meta, {
      limit: 'environments',
      requested: 1,
      available: 0,
      max: 1,
    })

    const big = await createHttpImage({ memoryBytes: 64 * 1024 ** 3 })
    await waitForState(browser, first.body().data.id, ['running', 'failed'])
    ;(await browser.delete(`/api/v1/environments/${first.body().data.id}`)).assertStatus(202)
    await waitForState(browser, first.body().data.id, ['removed'])
    const memory = await browser.post('/api/v1/environments', { imageId: big.id })
    memory.assertStatus(409)
    assert.equal(memory.body().errors[0].meta.limit, 'memoryBytes')
  })

  test('an image that cannot be pulled fails with a reason and releases the quota', async ({
    client,
    assert,
  }) => {
    const { browser } = await signedIn(client)
    const image = await createHttpImage({ reference: UNREACHABLE_IMAGE })
    const id = (await browser.post('/api/v1/environments', { imageId: image.id })).body().data.id

    const failed = await waitForState(browser, id, ['failed', 'running'])
    assert.equal(failed.state, 'failed')
    assert.include(failed.failureReason, UNREACHABLE_IMAGE)
    assert.include((await browser.get('/api/v1/quota')).body().data.usage, {
      environments: 0,
      memoryBytes: 0,
    })
    assert.notExists((await instances()).find((instance) => instance.environmentId === id))
  })

  test('a service that never answers fails after the ready timeout, leaving nothing behind', async ({
    client,
    assert,
  }) => {
    const { browser } = await signedIn(client)
    const image = await createHttpImage({ command: ['/bin/sh', '-c', 'sleep 600'] })
    const id = (await browser.post('/api/v1/environments', { imageId: image.id })).body().data.id

    const failed = await waitForState(browser, id, ['failed', 'running'], 30_000)
    assert.equal(failed.state, 'failed')
    assert.notExists((await instances()).find((instance) => instance.environmentId === id))
  }).timeout(40_000)

  test("another user's environment is 404 for every verb", async ({ client, assert }) => {
    const alice = await signedIn(client)
    const bob = await signedIn(client)
    const image = await createHttpImage()
    const id = (await alice.browser.post('/api/v1/environments', { imageId: image.id })).body().data
      .id

    for (const [method, url, body] of [
      ['GET', `/api/v1/environments/${id}`],
      ['GET', `/api/v1/environments/${id}/events`],
      ['POST', `/api/v1/environments/${id}/stop`],
      ['POST', `/api/v1/environments/${id}/start`],
      [
        'PATCH',
        `/api/v1/environments/${id}`,
        { expiresAt: new Date(Date.now() + 3_600_000).toISOString() },
      ],
      ['DELETE', `/api/v1/environments/${id}`],
    ] as const) {
      const response = await bob.browser.send(method, url, body)
      response.assertStatus(404)
    }
    assert.lengthOf((await bob.browser.get('/api/v1/environments')).body().data, 0)
    await waitForState(alice.browser, id, ['running', 'failed'])
  })

  test('an experiment image needs an experiment the user belongs to', async ({
    client,
    assert,
  }) => {
    const { browser } = await signedIn(client)
    const image = await createHttpImage({ requiresExperiment: true })
    const missing = await browser.post('/api/v1/environments', { imageId: image.id })
    missing.assertStatus(422)
    assert.equal(missing.body().errors[0].field, 'experimentId')

    const foreign = await ExperimentFactory.merge({
      proposalId: 'NOT-MINE',
      title: 'x',
      source: 'local',
    }).create()
    ;(
      await browser.post('/api/v1/environments', { imageId: image.id, experimentId: foreign.id })
    ).assertStatus(404)
    ;(await browser.post('/api/v1/environments', { imageId: 999999 })).assertStatus(404)
  })

  test("a disabled image, or one the user's roles do not allow, is 404 and nothing is recorded", async ({
    client,
    assert,
  }) => {
    const { user, browser } = await signedIn(client)
    const disabled = await createHttpImage({ enabled: false })
    const staffOnly = await createHttpImage({ allowedRoles: ['admin'] })
    const missing = await browser.post('/api/v1/environments', { imageId: 999999 })
    missing.assertStatus(404)
    for (const image of [disabled, staffOnly]) {
      const refused = await browser.post('/api/v1/environments', { imageId: image.id })
      refused.assertStatus(404)
      // The same answer as for an image that does not exist.
      assert.deepEqual(refused.body(), missing.body())
    }
    assert.lengthOf(await Environment.query().where('user_id', user.id), 0)
  })

  test("mounts the session's data read-only and runs as the experiment's uid", async ({
    client,
    assert,
  }) => {
    const { user, browser } = await signedIn(client)
    const raw = `${experimentsConfig.mountPolicy.datasetsRoot}/ENV-1/raw`
    await mkdir(raw, { recursive: true })
    await writeFile(`${raw}/frame.txt`, 'photons')
    const experiment = await ExperimentFactory.merge({
      proposalId: `ENV-${Date.now()}`,
      title: 'Mounts',
      source: 'local',
      posixUid: 4242,
      posixGid: 4343,
    }).create()
    await ExperimentMemberFactory.merge({
      experimentId: experiment.id,
      userId: user.id,
      role: 'member',
      favorite: false,
      source: 'local',
    }).create()
    const dataSetPath = JSON.stringify({ [raw]: { bind: '/raw', mode: 'ro' } })
    const session = await ExperimentSessionFactory.merge({
      experimentId: experiment.id,
      sessionNumber: '1',
      dataSetPath,
      mounts: await checkSessionMounts(dataSetPath),
    }).create()
    const image = await createHttpImage({ requiresExperiment: true })

    const created = await browser.post('/api/v1/environments', {
      imageId: image.id,
      sessionId: session.id,
    })
    created.assertStatus(202)
    assert.equal(created.body().data.experimentId, experiment.id)
    const running = await waitForState(browser, created.body().data.id, ['running', 'failed'])
    assert.equal(running.state, 'running', running.failureReason)

    const driver = await app.container.make(DockerDriver)
    const engine = (await driver.list()).find((instance) => instance.environmentId === running.id)!
    const inspected = await driver.inspect(engine.engineId)
    assert.equal(inspected.Config.User, '4242:4343')
    const mount = inspected.Mounts.find(
      (entry: { Destination: string }) => entry.Destination === '/data/raw'
    )
    assert.equal(mount?.RW, false)
  })

  test('launches a User Office session in the CalipsoPlus shape: data read-only at /data/<bind>, output writable at /output/<bind>', async ({
    client,
    assert,
    cleanup,
  }) => {
    const { datasetsRoot, outputRoot } = experimentsConfig.mountPolicy
    const data = join(datasetsRoot, '2019001')
    const results = join(outputRoot, '2019001')
    cleanup(() => rm(data, { recursive: true, force: true }))
    cleanup(() => rm(results, { recursive: true, force: true }))
    await mkdir(data, { recursive: true })
    await writeFile(join(data, 'frame.txt'), 'photons')
    await mkdir(results, { recursive: true })
    // Written by the experiment's uid, not by root.
    await chmod(results, 0o777)

    const [experiment] = makeExperiments(1, { sessionsPer: 1 })
    experiment.proposal_id = '2019001'
    // Exactly what the contract (section 4) shows, host paths made real.
    experiment.sessions[0].data_set_path = JSON.stringify({
      [data]: { bind: '/2019001', mode: 'ro' },
      [results]: { bind: '/2019001', mode: 'rw' },
    })
    testUserOffice.addAccount({ username: 'calipso', password: 'pw' })
    testUserOffice.setExperiments('calipso', [experiment])
    const browser = new ApiSession(client)
    ;(await browser.login('calipso', 'pw')).assertStatus(200)

    const id = (await Experiment.findByOrFail('proposal_id', '2019001')).id
    const [session] = (await browser.get(`/api/v1/experiments/${id}`)).body().data.sessions
    assert.deepEqual(session.mountErrors, [])
    assert.isTrue(session.launchable)
    assert.sameDeepMembers(session.mounts, [
      { containerPath: '/data/2019001', mode: 'ro' },
      { containerPath: '/output/2019001', mode: 'rw' },
    ])

    const image = await createHttpImage({ requiresExperiment: true })
    const created = await browser.post('/api/v1/environments', {
      imageId: image.id,
      sessionId: session.id,
    })
    created.assertStatus(202)
    const running = await waitForState(browser, created.body().data.id, ['running', 'failed'])
    assert.equal(running.state, 'running', running.failureReason)

    const driver = await app.container.make(DockerDriver)
    const engine = (await driver.list()).find((instance) => instance.environmentId === running.id)!
    const sh = async (script: string) =>
      execIn(await testEngine(), engine.engineId, ['/bin/sh', '-c', script])
    assert.equal((await sh('cat /data/2019001/frame.txt')).stdout, 'photons')
    const refused = await sh('echo x > /data/2019001/new')
    assert.notEqual(refused.exitCode, 0)
    assert.include(refused.stderr, 'Read-only file system')
    const written = await sh('echo result > /output/2019001/result.txt')
    assert.equal(written.exitCode, 0, written.stderr)
    assert.equal(await readFile(join(results, 'result.txt'), 'utf8'), 'result\n')

    const inspected = await driver.inspect(engine.engineId)
    assert.sameDeepMembers(
      inspected.Mounts.map((mount: { Destination: string; RW: boolean }) => [
        mount.Destination,
        mount.RW,
      ]),
      [
        ['/data/2019001', false],
        ['/output/2019001', true],
      ]
    )
    ;(await browser.delete(`/api/v1/environments/${running.id}`)).assertStatus(202)
    await waitForState(browser, running.id, ['removed'])
  })
})

test.group('Environments: reconciliation', (group) => {
  isolateEachTest(group)
  group.each.teardown(() => EnvironmentProvisioner.settle())

  test('a labelled container the database does not know is removed', async ({ assert }) => {
    // What a crash between "container created" and "row committed" leaves behind.
    const driver = await app.container.make(DockerDriver)
    const orphanId = 900_000_000 + Math.floor(Math.random() * 1000)
    await driver.create(
      {
        environmentId: orphanId,
        name: `orphan-${orphanId}`,
        owner: { id: 1, username: 'nobody' },
        image: {
          reference: 'portal-test/busybox:1',
          protocol: 'ssh',
          port: 22,
          command: null,
          environment: {},
        },
        resources: { cpuMillicores: 100, memoryBytes: 32 * 1024 * 1024, storageBytes: 0, gpus: 0 },
        runAs: null,
        mounts: [],
        secret: 'not-a-real-secret',
      },
      () => {}
    )
    assert.exists((await driver.list()).find((instance) => instance.environmentId === orphanId))

    const reconciler = await app.container.make(EnvironmentReconciler)
    const [report] = await reconciler.run()
    assert.isAtLeast(report.orphansRemoved, 1)
    assert.notExists((await driver.list()).find((instance) => instance.environmentId === orphanId))
  })

  test('a running environment whose container died is marked failed and frees its quota', async ({
    client,
    assert,
  }) => {
    const { browser } = await signedIn(client)
    const image = await createHttpImage()
    const id = (await browser.post('/api/v1/environments', { imageId: image.id })).body().data.id
    await waitForState(browser, id, ['running'])

    const driver = await app.container.make(DockerDriver)
    await driver.remove(id)
    const reconciler = await app.container.make(EnvironmentReconciler)
    const [report] = await reconciler.run()

    assert.equal(report.markedFailed, 1)
    const failed = (await browser.get(`/api/v1/environments/${id}`)).body().data
    assert.equal(failed.state, 'failed')
    assert.include((await browser.get('/api/v1/quota')).body().data.usage, { environments: 0 })
  })
})
