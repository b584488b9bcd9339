import { rm } from 'node:fs/promises'
import { test } from '@japa/runner'
import env from '#start/env'
import { DOCKER_LABELS } from '#services/provisioning/docker_driver'
import { PortalProcess, scratchDir } from '#tests/helpers/portal_process'
import { PrivateMysql } from '#tests/helpers/private_mysql'
import { TEST_IMAGES, testEngine } from '#tests/helpers/docker'
import { BearerClient, type TimedAnswer } from '#tests/helpers/bearer_client'
import { migratePortalDatabase, portalDatabaseEnv } from '#tests/helpers/scratch_portal_database'

const INSTANCE = 'portal-fault-db'
const ADMIN = { username: 'fault-admin', password: 'a-long-password-for-the-fault-test' }

/** Authenticated reads a script would make; each needs the database (token lookup first). */
const READS = ['/api/v1/me', '/api/v1/quota', '/api/v1/environments', '/api/v1/images']

/** The longest a request may take while the database is down. */
const OUTAGE_ANSWER_MS = 3000
/** How long the portal may take to be ready again once the database accepts connections. */
const RECOVERY_MS = 10_000

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** `clients` loop over READS until `until()` says stop; every answer is kept. */
function loadOf(clients: BearerClient[], until: () => boolean) {
  const answers: TimedAnswer[] = []
  const loops = clients.map(async (client, index) => {
    for (let turn = index; !until(); turn++) {
      answers.push(await client.get(READS[turn % READS.length]))
      await sleep(20)
    }
  })
  return { answers, done: Promise.all(loops) }
}

/** Path, status, time and error code of answers: enough to read a failure. */
function summary(answers: TimedAnswer[]) {
  return JSON.stringify(
    answers.map((answer) => [
      answer.path,
      answer.status,
      answer.elapsedMs,
      answer.body?.errors?.[0]?.code,
    ])
  )
}

/** Containers of this test's instance on the slot's engine. */
async function containersOf(environmentId: number) {
  const engine = await testEngine()
  return engine.listContainers({
    all: true,
    filters: {
      label: [
        `${DOCKER_LABELS.instance}=${INSTANCE}`,
        `${DOCKER_LABELS.environment}=${environmentId}`,
      ],
    },
  })
}

/**
 * A private MariaDB (never the shared one) stopped and started again
 * under load, while an environment is being provisioned: the portal
 * answers 503 with the error body within bounded time, says it is not
 * ready, survives, and serves again by itself once the database is back.
 */
test.group('Faults: the database stops under load and comes back', () => {
  test('answers 503 quickly while MariaDB is down and recovers by itself when it returns', async ({
    assert,
    cleanup,
  }) => {
    const mysql = await PrivateMysql.create()
    cleanup(() => mysql.destroy())
    await mysql.query('CREATE DATABASE portal CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci')
    await migratePortalDatabase(mysql.address('portal'))
    const dataDir = await scratchDir('faults-db')
    cleanup(() => rm(dataDir, { recursive: true, force: true }))

    // Every request must reach the database while it is down: a remembered credential
    // would answer GET /api/v1/me for up to AUTH_CACHE_TTL (1 s) of the outage.
    const portal = await PortalProcess.start(
      {
        ...portalDatabaseEnv(mysql.address('portal')),
        APP_KEY: 'an-app-key-for-the-database-fault-test-0123',
        DATA_DIR: dataDir,
        PORTAL_ADMIN_USERNAME: ADMIN.username,
        PORTAL_ADMIN_PASSWORD: ADMIN.password,
        // The slot's engine answers, so readiness depends on the database alone.
        DOCKER_SOCKET: env.get('DOCKER_SOCKET', '/var/run/docker.sock'),
        DOCKER_NETWORK: 'host',
        PORTAL_INSTANCE_ID: INSTANCE,
        ENVIRONMENT_READY_TIMEOUT: '10',
        ACCESS_BROKER: 'none',
        JOBS_INTERVAL_SECONDS: '2',
      },
      { credentialCache: false }
    )
    cleanup(() => portal.stop())
    const pid = portal.pid
    const clients = await BearerClient.issue(portal.baseUrl, ADMIN.username, ADMIN.password, 4)
    const probe = clients[0]
    const image = await probe.post('/api/v1/admin/images', {
      name: 'httpd',
      reference: TEST_IMAGES.httpd,
      driver: 'docker',
      protocol: 'http',
      port: 8080,
      cpu: '250m',
      memory: '64Mi',
      requiresExperiment: false,
    })
    assert.equal(image.status, 201, JSON.stringify(image.body))

    let recoveredAt = 0
    let stopAt = Number.POSITIVE_INFINITY
    const load = loadOf(clients, () => Date.now() > stopAt)
    // Whatever fails below, the load loops end with the test.
    cleanup(() => {
      stopAt = 0
    })
    await sleep(1500)

    // An environment is being provisioned when the database goes away.
    const requisition = await probe.post('/api/v1/environments', { imageId: image.body.data.id })
    assert.equal(requisition.status, 202, JSON.stringify(requisition.body))
    const environmentId: number = requisition.body.data.id
    cleanup(async () => {
      const engine = await testEngine()
      for (const container of await containersOf(environmentId)) {
        await engine.getContainer(container.Id).remove({ force: true })
      }
    })

    const stoppingAt = Date.now()
    await mysql.stop()
    const downAt = Date.now()
    await sleep(4000)
    const readyWhileDown = await probe.get('/health/ready')

    const startingAt = Date.now()
    await mysql.start()
    const upAt = Date.now()
    while (Date.now() - upAt < RECOVERY_MS + 5000) {
      if ((await probe.get('/health/ready')).status === 200) {
        recoveredAt = Date.now()
        break
      }
      await sleep(100)
    }
    // The load stays on after recovery: it must stay healthy.
    stopAt = Date.now() + 2000
    await load.done

    assert.equal(readyWhileDown.status, 503)
    const databaseCheck = readyWhileDown.body.checks.find(
      (check: { name: string }) => check.name === 'database'
    )
    assert.equal(databaseCheck.status, 'error')
    assert.isAbove(recoveredAt, 0, 'the portal never became ready again')
    const recoveryMs = recoveredAt - upAt
    assert.isBelow(recoveryMs, RECOVERY_MS)
    // Recovered by itself: the same process throughout, no restart.
    assert.equal(portal.pid, pid)

    const before = load.answers.filter((answer) => answer.startedAt + answer.elapsedMs < stoppingAt)
    const during = load.answers.filter(
      (answer) => answer.startedAt >= downAt && answer.startedAt + answer.elapsedMs < startingAt
    )
    const after = load.answers.filter((answer) => answer.startedAt > recoveredAt)

    assert.isAbove(before.length, 10)
    assert.deepEqual(
      before.filter((answer) => answer.status !== 200),
      []
    )
    // Down: only the documented 503, fast.
    assert.isAbove(during.length, 10)
    for (const answer of during) {
      assert.equal(answer.status, 503, summary([answer]))
      assert.deepEqual(answer.body.errors, [
        {
          code: 'E_SERVICE_UNAVAILABLE',
          message: 'The database is unavailable, please retry later',
        },
      ])
      assert.isBelow(answer.elapsedMs, OUTAGE_ANSWER_MS, summary([answer]))
    }
    // Around the transitions too: never a 500, never a hang (status 0).
    const unexpected = load.answers.filter((answer) => ![200, 503].includes(answer.status))
    assert.equal(unexpected.length, 0, summary(unexpected))
    assert.isAbove(after.length, 10)
    const failedAfter = after.filter((answer) => answer.status !== 200)
    assert.equal(failedAfter.length, 0, summary(failedAfter))

    // The environment caught by the outage ends consistent with the engine.
    let shown = (await probe.get(`/api/v1/environments/${environmentId}`)).body.data
    const unrecorded = shown.state === 'provisioning'
    if (unrecorded) {
      // Its outcome could not be recorded: the reconciler fails it once the
      // abandonment window (ENVIRONMENT_READY_TIMEOUT + 120 s) has passed,
      // which the clock of this test skips.
      assert.lengthOf(await containersOf(environmentId), 0)
      await mysql.query(
        "UPDATE portal.environments SET updated_at = NOW() - INTERVAL 1 HOUR WHERE id = ? AND state = 'provisioning'",
        [environmentId]
      )
      const deadline = Date.now() + 15_000
      while (shown.state === 'provisioning' && Date.now() < deadline) {
        await sleep(250)
        shown = (await probe.get(`/api/v1/environments/${environmentId}`)).body.data
      }
    }
    assert.include(['running', 'failed'], shown.state)
    const containers = await containersOf(environmentId)
    const quota = (await probe.get('/api/v1/quota')).body.data
    if (shown.state === 'failed') {
      assert.isString(shown.failureReason)
      assert.lengthOf(containers, 0)
      assert.equal(quota.usage.environments, 0)
    } else {
      assert.deepEqual(
        containers.map((container) => container.State),
        ['running']
      )
      assert.equal(quota.usage.environments, 1)
    }

    const slowest = Math.max(...during.map((answer) => answer.elapsedMs))
    console.log(
      `  database fault: ${during.length} answers while down (slowest ${slowest} ms); ready ${recoveryMs} ms after MariaDB accepted connections; environment ${shown.state}${unrecorded ? ' (by the reconciler)' : ''}`
    )
  }).timeout(90_000)
})
