import { rm } from 'node:fs/promises'
import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import env from '#start/env'
import { DOCKER_LABELS } from '#services/provisioning/docker_driver'
import { GUACAMOLE_CONNECTION } from '#services/access/guacamole_db_broker'
import { PortalProcess, scratchDir } from '#tests/helpers/portal_process'
import { TEST_IMAGES, testEngine } from '#tests/helpers/docker'
import { BearerClient, type TimedAnswer } from '#tests/helpers/bearer_client'
import { scratchPortalDatabase } from '#tests/helpers/scratch_portal_database'

const INSTANCE = 'portal-fault-kill'
const GUACAMOLE_PREFIX = `${INSTANCE}-env-`
const ADMIN = { username: 'kill-admin', password: 'a-long-password-for-the-kill-test' }
const KILLS = 20
/** Processes booted at once (the last batch has one more: the survivor). */
const BATCH = 3
/** Fixed, so a failure can be replayed with the same delays. */
const SEED = 20261123

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** mulberry32: a small seeded generator of numbers in [0, 1). */
function seeded(seed: number) {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/**
 * Where each round aims its SIGKILL, in ms after the request was sent:
 * before the answer, while the container is created and started, while
 * the portal waits for the service, and — on an environment with remote
 * access — in the middle of its removal (scaled to this machine's speed).
 */
const PLAN = [
  { action: 'requisition', image: 'slow', from: 0, to: 40 },
  { action: 'requisition', image: 'slow', from: 60, to: 500 },
  { action: 'requisition', image: 'slow', from: 600, to: 1600 },
  { action: 'requisition', image: 'desk', from: 2200, to: 3000 },
  // Per cent of how long granting access took: a removal does about half that work.
  { action: 'remove-with-access', image: 'desk', from: 10, to: 90 },
] as const

type EnvironmentRow = { id: number; state: string; engine_id: string | null; image_id: number }

/**
 * Portal processes SIGKILLed at seeded random points of requisitions and
 * removals, each replaced by a fresh process (a distinct instance id and
 * database of their own, so the test process's reconciler never
 * interferes). Afterwards the reconciler of the last one must leave no
 * orphan container, no stale Guacamole record, and quota usage equal to
 * what actually runs.
 */
test.group('Faults: portal processes killed during requisitions', () => {
  test('after 20 SIGKILLs at random points nothing leaks: containers, Guacamole records, quota', async ({
    assert,
    cleanup,
  }) => {
    const database = await scratchPortalDatabase('kill_fault')
    cleanup(() => database.drop())
    const rows = () => database.connection().from('environments')
    const engine = await testEngine()
    const containers = () =>
      engine.listContainers({
        all: true,
        filters: { label: [`${DOCKER_LABELS.instance}=${INSTANCE}`] },
      })
    const guacamole = db.connection(GUACAMOLE_CONNECTION)
    const guacamoleNames = async () => {
      const connections = await guacamole
        .from('guacamole_connection')
        .where('connection_name', 'like', `${GUACAMOLE_PREFIX}%`)
        .select('connection_name as name')
      const entities = await guacamole
        .from('guacamole_entity')
        .where('name', 'like', `${GUACAMOLE_PREFIX}%`)
        .select('name')
      return [...connections, ...entities].map((row) => row.name as string)
    }
    cleanup(async () => {
      for (const container of await containers()) {
        await engine.getContainer(container.Id).remove({ force: true })
      }
      await guacamole
        .from('guacamole_connection')
        .where('connection_name', 'like', `${GUACAMOLE_PREFIX}%`)
        .delete()
      await guacamole
        .from('guacamole_entity')
        .where('name', 'like', `${GUACAMOLE_PREFIX}%`)
        .delete()
    })
    const dataDir = await scratchDir('faults-kill')
    cleanup(() => rm(dataDir, { recursive: true, force: true }))

    const processEnv = {
      ...database.portalEnv,
      APP_KEY: 'an-app-key-shared-by-the-killed-processes-0',
      DATA_DIR: dataDir,
      PORTAL_ADMIN_USERNAME: ADMIN.username,
      PORTAL_ADMIN_PASSWORD: ADMIN.password,
      PORTAL_INSTANCE_ID: INSTANCE,
      DOCKER_SOCKET: env.get('DOCKER_SOCKET', '/var/run/docker.sock'),
      DOCKER_NETWORK: 'host',
      DOCKER_TIMEOUT: '10',
      ENVIRONMENT_READY_TIMEOUT: '6',
      JOBS_INTERVAL_SECONDS: '1',
      QUOTA_DEFAULT_ENVIRONMENTS: '40',
      QUOTA_DEFAULT_CPU: '40',
      QUOTA_DEFAULT_MEMORY: '8Gi',
      ACCESS_BROKER: 'guacamole-db',
      GUACAMOLE_URL: env.get('GUACAMOLE_URL')!,
      GUACAMOLE_TIMEOUT: '3',
      GUACAMOLE_DB_HOST: env.get('GUACAMOLE_DB_HOST', '127.0.0.1'),
      GUACAMOLE_DB_PORT: String(env.get('GUACAMOLE_DB_PORT', 3306)),
      GUACAMOLE_DB_USER: env.get('GUACAMOLE_DB_USER', 'root'),
      GUACAMOLE_DB_PASSWORD: env.get('GUACAMOLE_DB_PASSWORD')?.release() ?? '',
      GUACAMOLE_DB_DATABASE: env.get('GUACAMOLE_DB_DATABASE')!,
    }
    const processes: PortalProcess[] = []
    cleanup(() => Promise.all(processes.map((portal) => portal.stop())).then(() => {}))
    const boot = () =>
      PortalProcess.start(processEnv).then((portal) => {
        processes.push(portal)
        return portal
      })

    // The first process creates the admin account; the others share it.
    let batch = [await boot()]
    const [admin] = await BearerClient.issue(batch[0].baseUrl, ADMIN.username, ADMIN.password)
    const imageOf = async (name: string, protocol: string, command: string) => {
      const created = await admin.post('/api/v1/admin/images', {
        name,
        reference: TEST_IMAGES.httpd,
        driver: 'docker',
        protocol,
        port: 5900,
        cpu: '100m',
        memory: '32Mi',
        requiresExperiment: false,
        command: ['/bin/sh', '-c', command],
      })
      assert.equal(created.status, 201, JSON.stringify(created.body))
      return created.body.data.id as number
    }
    const serve = 'exec httpd -f -p 127.0.0.1:$PORTAL_SERVICE_PORT -h /tmp'
    const images = {
      // Answers only after a while: kills land in the readiness wait.
      slow: await imageOf('slow', 'http', `sleep 1.2; ${serve}`),
      // A remote desktop (through Guacamole records) that answers at once.
      desk: await imageOf('desk', 'vnc', serve),
    }

    const random = seeded(SEED)
    const answers: TimedAnswer[] = []
    const killPoints: string[] = []
    const serverErrorLogs: string[] = []
    let staleAtKill = 0
    const runningDesktop = (): Promise<EnvironmentRow | undefined> =>
      rows().where('state', 'running').where('image_id', images.desk).orderBy('id', 'desc').first()
    for (let round = 0; round < KILLS; round++) {
      if (batch.length === 0) {
        // Replacements boot in batches, between kills: a boot competing for
        // the CPU would shift where the kills land.
        const size = Math.min(BATCH, KILLS - round) + (round + BATCH >= KILLS ? 1 : 0)
        batch = await Promise.all(Array.from({ length: size }, () => boot()))
      }
      const current = batch.shift()!
      const client = new BearerClient(current.baseUrl, admin.token)
      const plan = PLAN[round % PLAN.length]
      let delay = plan.from + Math.floor(random() * (plan.to - plan.from))
      const newest = Number((await rows().max('id as id').first())?.id ?? 0)

      let target: EnvironmentRow | undefined
      let request: Promise<TimedAnswer>
      if (plan.action === 'remove-with-access') {
        target = await runningDesktop()
        if (!target) {
          // The last round's kill came before its desktop ran (a slow machine):
          // this process brings one up, unharmed, to be removed.
          const launched = await client.post('/api/v1/environments', { imageId: images.desk })
          assert.equal(launched.status, 202, JSON.stringify(launched.body))
          const deadline = Date.now() + 60_000
          while (!target && Date.now() < deadline) {
            await sleep(200)
            target = await runningDesktop()
          }
        }
        assert.exists(target, `round ${round}: no running desktop to remove`)
        const access = await client.post(`/api/v1/environments/${target!.id}/access`)
        assert.equal(access.status, 200, JSON.stringify(access.body))
        assert.equal(access.body.data.kind, 'guacamole')
        delay = Math.round((access.elapsedMs * delay) / 100)
        request = client.delete(`/api/v1/environments/${target!.id}`)
      } else {
        request = client.post('/api/v1/environments', { imageId: images[plan.image] })
      }
      await sleep(delay)
      await current.kill('SIGKILL')
      const answer = await request
      answers.push(answer)
      if (answer.status >= 500) {
        // The killed process's own account of the error, for the failure message.
        serverErrorLogs.push(
          `round ${round} (${plan.action} ${plan.image}, kill after ${delay} ms): ` +
            current.stdout
              .split('\n')
              .filter((line) => /"level":[56]\d/.test(line))
              .join('\n')
        )
      }

      // Where the kill landed, read back from the database.
      const row: EnvironmentRow | undefined = target
        ? await rows().where('id', target.id).first()
        : await rows().where('id', '>', newest).orderBy('id', 'asc').first()
      killPoints.push(
        !row
          ? 'before the reservation'
          : row.state === 'provisioning'
            ? row.engine_id
              ? 'waiting for the service'
              : 'creating the container'
            : `${plan.action === 'remove-with-access' ? 'removal: ' : ''}${row.state}`
      )
      if (target && row!.state !== 'running') {
        const prefix = `${GUACAMOLE_PREFIX}${target.id}-`
        staleAtKill += (await guacamoleNames()).some((name) => name.startsWith(prefix)) ? 1 : 0
      }
    }
    const current = batch.shift()!

    // Every process that provisioned is dead: what is still provisioning or
    // stopping is abandoned. The reconciler waits READY_TIMEOUT + 120 s
    // before it calls a bring-up abandoned (another live process might
    // still be at it); this test's clock skips that wait.
    const abandoned = Number(
      await rows()
        .whereIn('state', ['provisioning', 'stopping'])
        .update({ updated_at: new Date(Date.now() - 3_600_000) })
    )
    const repairStartedAt = Date.now()
    const survivor = new BearerClient(current.baseUrl, admin.token)

    const inconsistencies = async () => {
      const environments: EnvironmentRow[] = await rows().select(
        'id',
        'state',
        'engine_id',
        'image_id'
      )
      const running = new Set(
        environments.filter((row) => row.state === 'running').map((row) => row.id)
      )
      const engineObjects = await containers()
      const environmentOf = (container: (typeof engineObjects)[number]) =>
        Number(container.Labels[DOCKER_LABELS.environment])
      const problems: string[] = []
      for (const row of environments) {
        if (['provisioning', 'stopping', 'removing'].includes(row.state)) {
          problems.push(`environment ${row.id} is still ${row.state}`)
        }
      }
      for (const container of engineObjects) {
        if (!running.has(environmentOf(container))) {
          problems.push(`orphan container of environment ${environmentOf(container)}`)
        } else if (container.State !== 'running') {
          problems.push(
            `environment ${environmentOf(container)} runs, its container is ${container.State}`
          )
        }
      }
      for (const id of running) {
        if (engineObjects.filter((container) => environmentOf(container) === id).length !== 1) {
          problems.push(`running environment ${id} has no single container`)
        }
      }
      for (const name of await guacamoleNames()) {
        const id = Number(/^portal-fault-kill-env-(\d+)-/.exec(name)?.[1])
        if (!running.has(id)) {
          problems.push(`stale Guacamole record ${name}`)
        }
      }
      const remembered = await database
        .connection()
        .from('environment_access')
        .select('environment_id')
      for (const { environment_id: id } of remembered) {
        if (!running.has(Number(id))) {
          problems.push(`stale access row of environment ${id}`)
        }
      }
      const quota = await survivor.get('/api/v1/quota')
      if (quota.status !== 200 || quota.body.data.usage.environments !== running.size) {
        problems.push(
          `quota holds ${quota.body?.data?.usage?.environments} environments, ${running.size} run`
        )
      }
      return { problems, running: running.size }
    }

    let state = await inconsistencies()
    while (state.problems.length > 0 && Date.now() - repairStartedAt < 30_000) {
      await sleep(500)
      state = await inconsistencies()
    }
    const repairMs = Date.now() - repairStartedAt

    assert.deepEqual(state.problems, [])
    // A kill may cut an answer off (status 0), never turn it into a server error.
    const serverErrors = answers.filter((answer) => answer.status >= 500)
    assert.deepEqual(serverErrors, [], serverErrorLogs.join('\n\n'))
    // The seeded delays hit several distinct points of a requisition.
    const requisitionPoints = new Set(
      killPoints.filter((_point, round) => PLAN[round % PLAN.length].action === 'requisition')
    )
    assert.isAtLeast(requisitionPoints.size, 3, JSON.stringify(killPoints))

    const histogram = Object.entries(
      killPoints.reduce<Record<string, number>>((counts, point) => {
        counts[point] = (counts[point] ?? 0) + 1
        return counts
      }, {})
    )
      .map(([point, count]) => `${point} ×${count}`)
      .join(', ')
    console.log(
      `  kill fault (seed ${SEED}): ${histogram}; ${abandoned} abandoned, ${staleAtKill} removals left Guacamole records; consistent ${repairMs} ms after the last kill, ${state.running} running`
    )
  }).timeout(240_000)
})
