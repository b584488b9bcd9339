import { rm } from 'node:fs/promises'
import { test } from '@japa/runner'
import { DOCKER_LABELS } from '#services/provisioning/docker_driver'
import { PortalProcess, scratchDir } from '#tests/helpers/portal_process'
import { PrivateDocker } from '#tests/helpers/private_docker'
import { TEST_IMAGES } from '#tests/helpers/docker'
import { BearerClient } from '#tests/helpers/bearer_client'
import { scratchPortalDatabase } from '#tests/helpers/scratch_portal_database'

const INSTANCE = 'portal-fault-engine'
const ADMIN = { username: 'engine-admin', password: 'a-long-password-for-the-engine-test' }
/** Seconds an environment gets to answer on its port (ENVIRONMENT_READY_TIMEOUT). */
const READY_TIMEOUT = 8
/** Environments the user may hold at once: the outage must give every slot back. */
const SLOTS = 4

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * A private Docker engine (never the slot's) stopped while environments
 * are being requisitioned, then started again: requisitions fail cleanly
 * with reasons and give their quota back, nothing half-written remains,
 * and once the engine is back the reconciler makes engine and database
 * agree again.
 */
test.group('Faults: the Docker engine stops during requisitions', () => {
  test('failures are clean, quota is released, and the reconciler repairs once the engine is back', async ({
    assert,
    cleanup,
  }) => {
    const engine = await PrivateDocker.create()
    cleanup(() => engine.destroy())
    const database = await scratchPortalDatabase('engine_fault')
    cleanup(() => database.drop())
    const dataDir = await scratchDir('faults-engine')
    cleanup(() => rm(dataDir, { recursive: true, force: true }))

    const portal = await PortalProcess.start({
      ...database.portalEnv,
      APP_KEY: 'an-app-key-for-the-engine-fault-test-01234',
      DATA_DIR: dataDir,
      PORTAL_ADMIN_USERNAME: ADMIN.username,
      PORTAL_ADMIN_PASSWORD: ADMIN.password,
      PORTAL_INSTANCE_ID: INSTANCE,
      DOCKER_SOCKET: engine.socketPath,
      DOCKER_NETWORK: 'host',
      DOCKER_TIMEOUT: '3',
      ENVIRONMENT_READY_TIMEOUT: String(READY_TIMEOUT),
      JOBS_INTERVAL_SECONDS: '2',
      QUOTA_DEFAULT_ENVIRONMENTS: String(SLOTS),
      ACCESS_BROKER: 'none',
    })
    cleanup(() => portal.stop())
    const [client] = await BearerClient.issue(portal.baseUrl, ADMIN.username, ADMIN.password)

    const imageOf = async (name: string, command?: string[]) => {
      const created = await client.post('/api/v1/admin/images', {
        name,
        reference: TEST_IMAGES.httpd,
        driver: 'docker',
        protocol: 'http',
        port: 8080,
        cpu: '100m',
        memory: '32Mi',
        requiresExperiment: false,
        ...(command ? { command } : {}),
      })
      assert.equal(created.status, 201, JSON.stringify(created.body))
      return created.body.data.id as number
    }
    const quick = await imageOf('quick')
    // Listens only after 5 s: still waiting for readiness when the engine stops.
    const slow = await imageOf('slow', [
      '/bin/sh',
      '-c',
      'sleep 5; exec httpd -f -p 127.0.0.1:$PORTAL_SERVICE_PORT -h /tmp',
    ])
    const requisition = (imageId: number) => client.post('/api/v1/environments', { imageId })
    const environment = (id: number) => `/api/v1/environments/${id}`
    const ours = async () =>
      engine.client().listContainers({
        all: true,
        filters: { label: [`${DOCKER_LABELS.instance}=${INSTANCE}`] },
      })

    // One environment runs; two more wait for their service when the engine stops.
    const running = await requisition(quick)
    assert.equal(running.status, 202)
    const up = await client.waitFor(
      environment(running.body.data.id),
      (body) => body.data.state === 'running',
      15_000
    )
    assert.isTrue(up.met, JSON.stringify(up.body))
    const waiting = await Promise.all([requisition(slow), requisition(slow)])
    assert.deepEqual(
      waiting.map((answer) => answer.status),
      [202, 202]
    )
    await sleep(1500)

    // The engine stops; one more requisition races with the stop.
    const racing = requisition(quick)
    const stoppedAt = Date.now()
    await engine.stop()
    const raced = await racing

    // While it is down: refused at once, nothing recorded; not ready.
    const before = (await client.get('/api/v1/environments?perPage=100')).body.meta.total
    const refused = await requisition(quick)
    assert.equal(refused.status, 503)
    assert.deepEqual(
      refused.body.errors.map((error: { code: string }) => error.code),
      ['E_PROVISIONING_UNAVAILABLE']
    )
    assert.isBelow(refused.elapsedMs, 5000)
    assert.equal((await client.get('/api/v1/environments?perPage=100')).body.meta.total, before)
    const ready = await client.get('/health/ready')
    assert.equal(ready.status, 503)
    const compute = ready.body.checks.find((check: { name: string }) => check.name === 'compute')
    assert.equal(compute.status, 'error')

    // Every requisition in flight ends failed, with a reason, within the ready timeout.
    const inFlight = [...waiting, ...(raced.status === 202 ? [raced] : [])].map(
      (answer) => answer.body.data.id as number
    )
    if (raced.status !== 202) {
      assert.equal(raced.status, 503, JSON.stringify(raced.body))
    }
    for (const id of inFlight) {
      const settled = await client.waitFor(
        environment(id),
        (body) => body.data.state !== 'provisioning',
        (READY_TIMEOUT + 10) * 1000
      )
      assert.isTrue(settled.met, `environment ${id} still provisioning`)
      assert.equal(settled.body.data.state, 'failed')
      assert.isString(settled.body.data.failureReason)
      assert.isNotEmpty(settled.body.data.failureReason)
    }
    const failedAt = Date.now()
    // Nothing half-written: no environment is left provisioning, and only
    // one still believed running (the reconciler may already have seen its
    // container die while the engine was stopping) holds quota.
    const states = (await client.get('/api/v1/environments?perPage=100')).body.data.map(
      (row: { state: string }) => row.state
    )
    assert.isTrue(
      states.every((state: string) => ['running', 'failed'].includes(state)),
      JSON.stringify(states)
    )
    const believedRunning = states.filter((state: string) => state === 'running').length
    assert.isAtMost(believedRunning, 1)
    const held = (await client.get('/api/v1/quota')).body.data.usage
    assert.equal(held.environments, believedRunning)

    // The engine is back: the reconciler repairs without help.
    await engine.start()
    const startedAt = Date.now()
    const repaired = await client.waitFor(
      environment(running.body.data.id),
      (body) => body.data.state === 'failed',
      20_000
    )
    assert.isTrue(repaired.met, JSON.stringify(repaired.body.data))
    assert.match(repaired.body.data.failureReason, /container stopped|disappeared/)
    let left = await ours()
    while (left.length > 0 && Date.now() - startedAt < 20_000) {
      await sleep(250)
      left = await ours()
    }
    // Every environment failed, so no container of this instance may remain.
    assert.deepEqual(
      left.map((container) => container.Names),
      []
    )
    const repairMs = Date.now() - startedAt
    const list = (await client.get('/api/v1/environments?perPage=100')).body.data
    assert.isTrue(
      list.every((row: { state: string }) => row.state === 'failed'),
      JSON.stringify(list.map((row: { id: number; state: string }) => [row.id, row.state]))
    )
    assert.equal((await client.get('/api/v1/quota')).body.data.usage.environments, 0)

    // Quota was given back: the user fills every slot again.
    const again = await Promise.all(Array.from({ length: SLOTS }, () => requisition(quick)))
    assert.deepEqual(
      again.map((answer) => answer.status),
      Array(SLOTS).fill(202)
    )
    for (const answer of again) {
      const back = await client.waitFor(
        environment(answer.body.data.id),
        (body) => body.data.state === 'running',
        15_000
      )
      assert.isTrue(back.met, JSON.stringify(back.body.data))
    }
    const runningNow = (await ours()).filter((container) => container.State === 'running')
    assert.lengthOf(runningNow, SLOTS)
    assert.equal((await client.get('/api/v1/quota')).body.data.usage.environments, SLOTS)

    console.log(
      `  engine fault: in-flight requisitions failed ${failedAt - stoppedAt} ms after the stop; repaired ${repairMs} ms after the engine was back`
    )
  }).timeout(120_000)
})
