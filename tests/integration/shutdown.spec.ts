import {
  request as httpRequest,
  Agent,
  type IncomingHttpHeaders,
  type IncomingMessage,
} from 'node:http'
import { connect } from 'node:net'
import { once } from 'node:events'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import User from '#models/user'
import type Image from '#models/image'
import Environment from '#models/environment'
import DockerDriver from '#services/provisioning/docker_driver'
import { HttpBrowser, PortalProcess } from '#tests/helpers/portal_process'
import { logLines, replicaEnv } from '#tests/helpers/replica_env'
import { createHttpImage, setUserQuota } from '#tests/helpers/environments'
import { UserOfficeServer } from '#tests/helpers/user_office_server'
import { guacamoleRowsOf } from '#tests/helpers/fake_guacamole'
import { testEngine } from '#tests/helpers/docker'
import { EnvironmentFactory } from '#database/factories/environment_factory'
import { UserFactory, UserRoleFactory } from '#database/factories/user_factory'

/*
 * Graceful shutdown of real portal processes (bin/server.ts as `npm start`
 * runs it) on SIGTERM: readiness, connections, requests and engine work in
 * flight, and what the next process's reconciler finds afterwards.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function waitFor<T>(what: string, probe: () => Promise<T | null | false>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const value = await probe()
    if (value !== null && value !== false) {
      return value
    }
    await sleep(50)
  }
  throw new Error(`timed out waiting for ${what}`)
}

type Answer = { status: number; headers: IncomingHttpHeaders; body: string }

/** One HTTP request through `agent` (keep-alive), with the response headers. */
function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; agent?: Agent }
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent: options.agent },
      (response) => {
        let body = ''
        response.on('data', (chunk) => (body += chunk))
        response.on('end', () =>
          resolve({ status: response.statusCode!, headers: response.headers, body })
        )
      }
    )
    request.on('error', reject)
    request.end(options.body)
  })
}

/** Whether a new TCP connection to the port is refused. */
async function refusesConnections(port: number) {
  const socket = connect(port, '127.0.0.1')
  try {
    await once(socket, 'connect')
    return false
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ECONNREFUSED'
  } finally {
    socket.destroy()
  }
}

/**
 * A scientist with room for a few small environments, a Bearer token, and
 * the images the test makes; cleaned up containers first, then records.
 */
async function scientist(cleanup: (fn: () => Promise<void>) => void) {
  const user = await UserFactory.merge({
    username: `shutdown-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`,
    provider: 'local',
    password: 'a-long-password-for-tests',
    disabled: false,
    email: null,
    displayName: null,
    externalId: null,
  }).create()
  await UserRoleFactory.merge({ userId: user.id, role: 'scientist', source: 'manual' }).create()
  await setUserQuota(user.id)
  const token = (await User.accessTokens.create(user, ['*'], { name: 'shutdown' })).value!.release()
  const images: number[] = []
  cleanup(async () => {
    const environments = await Environment.query().where('user_id', user.id)
    const driver = await app.container.make(DockerDriver)
    for (const environment of environments) {
      await driver.remove(environment.id).catch(() => {})
    }
    await db.from('environments').where('user_id', user.id).delete()
    await db.from('images').whereIn('id', images).delete()
    await db.from('users').where('id', user.id).delete()
  })
  const image = async (overrides: Partial<Image> = {}) => {
    const created = await createHttpImage(overrides)
    images.push(created.id)
    return created
  }
  return { user, token, image }
}

/** An http image whose service answers only after `seconds`. */
function slowImage(seconds: number) {
  return {
    command: [
      '/bin/sh',
      '-c',
      `sleep ${seconds}; exec busybox httpd -f -p 127.0.0.1:$PORTAL_SERVICE_PORT -h /tmp`,
    ],
  }
}

function requisition(portal: PortalProcess, token: string, image: Image) {
  return send(`${portal.baseUrl}/api/v1/environments`, {
    method: 'POST',
    headers: { 'authorization': `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ imageId: image.id }),
  })
}

/** The environment once the engine has started its container (its service not answering yet). */
function containerStarted(userId: number) {
  return waitFor(
    'the container to start',
    async () => {
      const environment = await Environment.query().where('user_id', userId).first()
      if (!environment) {
        return null
      }
      const started = await db
        .from('environment_events')
        .where('environment_id', environment.id)
        .where('step', 'started')
        .first()
      return started ? environment : null
    },
    30_000
  )
}

async function containersOf(environmentId: number) {
  const driver = await app.container.make(DockerDriver)
  return (await driver.list()).filter((instance) => instance.environmentId === environmentId)
}

async function quotaUsage(portal: PortalProcess, token: string) {
  const answer = await send(`${portal.baseUrl}/api/v1/quota`, {
    headers: { authorization: `Bearer ${token}` },
  })
  return JSON.parse(answer.body).data.usage
}

/** A fresh process with background jobs, once its reconciler has run. */
async function nextProcess(settings: Record<string, string>) {
  const portal = await PortalProcess.start(settings)
  await waitFor(
    'the reconciler of the next process',
    async () => logLines(portal.stdout).find((line) => line.msg === 'background jobs ran') ?? null,
    30_000
  )
  return portal
}

const WITH_JOBS = { JOBS_ENABLED: 'true', JOBS_INTERVAL_SECONDS: '1' }

test.group('Graceful shutdown', (group) => {
  group.each.setup(async () => {
    await db.from('job_leases').delete()
  })

  test('readiness answers 503 at once while a request in flight completes; then the listener closes and the process exits 0', async ({
    assert,
    cleanup,
  }) => {
    const userOffice = new UserOfficeServer()
    await userOffice.start()
    cleanup(() => userOffice.stop())
    const username = `drain-${Date.now()}`
    userOffice.addAccount({ username, password: 'user-office-password' })
    cleanup(async () => {
      await db.from('users').where('username', username).delete()
    })
    const portal = await PortalProcess.start(
      replicaEnv({
        ...userOffice.portalEnv(),
        USER_OFFICE_TIMEOUT: '10',
        ACCESS_BROKER: 'none',
        JOBS_ENABLED: 'false',
        SHUTDOWN_DELAY: '1.5',
        SHUTDOWN_TIMEOUT: '15',
      })
    )
    cleanup(() => portal.stop())

    // A sign-in the User Office takes 4 s to answer is in flight when SIGTERM arrives.
    const browser = new HttpBrowser(portal.baseUrl)
    await browser.request('GET', '/api/v1/auth/csrf')
    userOffice.delayMs = 4000
    let signedInAt = 0
    const agent = new Agent({ keepAlive: true })
    const signIn = send(`${portal.baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      agent,
      headers: {
        'content-type': 'application/json',
        'accept': 'application/json',
        'cookie': [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; '),
        'x-xsrf-token': decodeURIComponent(browser.cookies.get('XSRF-TOKEN')!),
      },
      body: JSON.stringify({ username, password: 'user-office-password' }),
    }).finally(() => (signedInAt = Date.now()))
    await waitFor(
      'the sign-in to reach the User Office',
      async () => userOffice.requestsTo('login') === 1,
      10_000
    )
    const terminatedAt = Date.now()
    const exit = portal.kill('SIGTERM')

    // Readiness fails at once, on new connections too while SHUTDOWN_DELAY keeps the listener open.
    const ready = await waitFor(
      'readiness to fail',
      async () => {
        const answer = await send(`${portal.baseUrl}/health/ready`, {})
        return answer.status === 503 ? answer : null
      },
      1000
    )
    assert.isBelow(Date.now() - terminatedAt, 1000)
    assert.deepEqual(JSON.parse(ready.body), {
      status: 'error',
      leader: false,
      checks: [
        {
          name: 'shutdown',
          status: 'error',
          message: 'Shutting down; requests in flight finish',
          required: true,
        },
      ],
    })
    assert.equal(ready.headers.connection, 'close')

    // After the delay the listener is closed, while the sign-in is still running.
    await sleep(terminatedAt + 2300 - Date.now())
    assert.isTrue(await refusesConnections(portal.port))
    assert.equal(signedInAt, 0, 'the sign-in is still running')

    const answer = await signIn
    assert.equal(answer.status, 200, answer.body)
    // The client is told not to reuse the connection.
    assert.equal(answer.headers.connection, 'close')
    const { code, ms } = await exit
    assert.equal(code, 0)
    assert.isBelow(ms, 15_000)
    // It leaves as soon as the last request is done.
    assert.isBelow(terminatedAt + ms - signedInAt, 1500)
    agent.destroy()
  }).timeout(60_000)

  test('an idle keep-alive connection and an open progress stream do not hold the process: it exits 0 at once', async ({
    assert,
    cleanup,
  }) => {
    const { user, token, image: createImage } = await scientist(cleanup)
    const image = await createImage()
    // Provisioning forever as far as this process knows: its progress stream stays open.
    const environment = await EnvironmentFactory.merge({
      userId: user.id,
      imageId: image.id,
      name: 'streamed',
      driver: 'docker',
      state: 'provisioning',
      secret: 'not-used',
      cpuMillicores: 250,
      memoryBytes: 64 * 1024 * 1024,
      storageBytes: 0,
      gpus: 0,
      expiresAt: DateTime.utc().plus({ hours: 1 }),
    }).create()
    const portal = await PortalProcess.start(
      replicaEnv({ ACCESS_BROKER: 'none', JOBS_ENABLED: 'false', SHUTDOWN_TIMEOUT: '20' })
    )
    cleanup(() => portal.stop())

    const agent = new Agent({ keepAlive: true })
    const live = await send(`${portal.baseUrl}/health/live`, { agent })
    assert.equal(live.status, 200)
    const [idle] = Object.values(agent.freeSockets).flat()
    assert.exists(idle, 'the agent keeps the connection open')
    const idleClosed = once(idle!, 'close')

    const streamRequest = httpRequest(
      `${portal.baseUrl}/api/v1/environments/${environment.id}/events`,
      {
        headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
      }
    )
    streamRequest.end()
    const [stream] = (await once(streamRequest, 'response')) as [IncomingMessage]
    assert.equal(stream.statusCode, 200)
    await once(stream, 'data')
    const streamEnded = once(stream, 'end')

    const { code, ms } = await portal.kill('SIGTERM')
    assert.equal(code, 0)
    // Far below both the bound (20 s) and Node's 5 s keep-alive timeout.
    assert.isBelow(ms, 3000)
    await idleClosed
    await streamEnded
    agent.destroy()
  }).timeout(60_000)

  test('SIGTERM during a launch that becomes ready within the bound: the request is answered, the shutdown waits, the environment runs', async ({
    assert,
    cleanup,
  }) => {
    const { user, token, image: createImage } = await scientist(cleanup)
    const image = await createImage(slowImage(2))
    const settings = replicaEnv({
      ...WITH_JOBS,
      ENVIRONMENT_READY_TIMEOUT: '60',
      SHUTDOWN_TIMEOUT: '20',
    })
    const portal = await PortalProcess.start(settings)
    cleanup(() => portal.stop())

    const requested = requisition(portal, token, image)
    const environment = await waitFor(
      'the environment record',
      async () => Environment.query().where('user_id', user.id).first(),
      10_000
    )
    const exit = portal.kill('SIGTERM')
    const answer = await requested
    assert.equal(answer.status, 202, answer.body)
    assert.equal(JSON.parse(answer.body).data.id, environment.id)

    const { code, ms } = await exit
    assert.equal(code, 0)
    assert.isBelow(ms, 20_000)
    await environment.refresh()
    assert.equal(environment.state, 'running')
    assert.isNotNull(environment.endpointPort)
    assert.isTrue((await containersOf(environment.id))[0]?.running)

    // The next process's reconciler finds it running and recorded, and leaves it so.
    const next = await nextProcess(settings)
    cleanup(() => next.stop())
    await environment.refresh()
    assert.equal(environment.state, 'running')
    assert.isTrue((await containersOf(environment.id))[0]?.running)
    const page = await send(`http://127.0.0.1:${environment.endpointPort}/`, {})
    assert.isBelow(page.status, 500)
  }).timeout(120_000)

  test('SIGTERM during a launch that cannot be ready within the bound: it is interrupted, the environment fails with its quota released and no container; exit 0 within the bound', async ({
    assert,
    cleanup,
  }) => {
    const { user, token, image: createImage } = await scientist(cleanup)
    const image = await createImage(slowImage(300))
    const settings = replicaEnv({
      ...WITH_JOBS,
      ENVIRONMENT_READY_TIMEOUT: '120',
      SHUTDOWN_TIMEOUT: '8',
    })
    const portal = await PortalProcess.start(settings)
    cleanup(() => portal.stop())

    const answer = await requisition(portal, token, image)
    assert.equal(answer.status, 202, answer.body)
    const environment = await containerStarted(user.id)
    assert.lengthOf(await containersOf(environment.id), 1)

    const { code, ms } = await portal.kill('SIGTERM')
    assert.equal(code, 0)
    assert.isBelow(ms, 8000)
    assert.isAtLeast(ms, 3000, 'engine work is interrupted only near the bound')
    await environment.refresh()
    assert.equal(environment.state, 'failed')
    assert.match(environment.failureReason!, /shut down before the environment was ready/)
    assert.lengthOf(await containersOf(environment.id), 0)

    // The next process finds nothing to repair: no orphan, quota free, no Guacamole records.
    const next = await nextProcess(settings)
    cleanup(() => next.stop())
    await environment.refresh()
    assert.equal(environment.state, 'failed')
    assert.lengthOf(await containersOf(environment.id), 0)
    assert.deepInclude(await quotaUsage(next, token), { environments: 0, cpuMillicores: 0 })
    const rows = await guacamoleRowsOf(environment.id)
    assert.lengthOf(rows.entities, 0)
    assert.lengthOf(rows.connections, 0)
  }).timeout(120_000)

  test('after a hard kill, the next process’s reconciler fails the abandoned launch, fails the environment whose container died, and leaves no container, quota or Guacamole record', async ({
    assert,
    cleanup,
  }) => {
    const { user, token, image: createImage } = await scientist(cleanup)
    const slow = await createImage(slowImage(300))
    const desktop = await createImage({ protocol: 'vnc', port: 5901 })
    const settings = replicaEnv({ ...WITH_JOBS, ENVIRONMENT_READY_TIMEOUT: '10' })
    const portal = await PortalProcess.start(settings)
    cleanup(() => portal.stop())

    // A desktop running with its Guacamole records, and a launch still waiting for its service.
    const opened = await requisition(portal, token, desktop)
    assert.equal(opened.status, 202, opened.body)
    const desktopId = JSON.parse(opened.body).data.id as number
    await waitFor(
      'the desktop to run',
      async () => (await Environment.findOrFail(desktopId)).state === 'running',
      30_000
    )
    const access = await send(`${portal.baseUrl}/api/v1/environments/${desktopId}/access`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    })
    assert.equal(access.status, 200, access.body)
    assert.lengthOf((await guacamoleRowsOf(desktopId)).connections, 1)
    assert.equal((await requisition(portal, token, slow)).status, 202)
    const launching = await waitFor(
      'the second container to start',
      async () => {
        const environment = await Environment.query()
          .where('user_id', user.id)
          .whereNot('id', desktopId)
          .first()
        return environment && (await containersOf(environment.id)).length === 1 ? environment : null
      },
      30_000
    )

    const killed = await portal.kill('SIGKILL')
    assert.equal(killed.signal, 'SIGKILL')
    // While no portal runs, the desktop's container dies.
    const engine = await testEngine()
    await engine.getContainer((await containersOf(desktopId))[0].engineId).kill()
    // The launch was abandoned longer ago than a launch may take (ready timeout + 2 min).
    await db
      .from('environments')
      .where('id', launching.id)
      .update({ updated_at: DateTime.utc().minus({ minutes: 3 }).toJSDate() })

    const next = await nextProcess(settings)
    cleanup(() => next.stop())
    for (const id of [launching.id, desktopId]) {
      const environment = await Environment.findOrFail(id)
      assert.equal(environment.state, 'failed', `environment ${id}`)
      assert.lengthOf(await containersOf(id), 0)
      const rows = await guacamoleRowsOf(id)
      assert.lengthOf(rows.entities, 0)
      assert.lengthOf(rows.connections, 0)
    }
    assert.match((await Environment.findOrFail(launching.id)).failureReason!, /interrupted/)
    assert.deepInclude(await quotaUsage(next, token), { environments: 0, cpuMillicores: 0 })
  }).timeout(120_000)
})
