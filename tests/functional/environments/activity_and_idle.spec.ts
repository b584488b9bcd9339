import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { DateTime } from 'luxon'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import encryption from '@adonisjs/core/services/encryption'
import AuditEvent from '#models/audit_event'
import Environment from '#models/environment'
import Notification from '#models/notification'
import EnvironmentActivity from '#services/activity/environment_activity'
import EnvironmentIdleStop from '#services/environments/environment_idle_stop'
import EnvironmentWarnings from '#services/environments/environment_warnings'
import EnvironmentProvisioner from '#services/environments/environment_provisioner'
import { GUACAMOLE_CONNECTION } from '#services/access/guacamole_db_broker'
import { guacamoleUsername } from '#services/access/guacamole_connection'
import { toSqlTimestamp } from '#models/millisecond_timestamp'
import { createUser, FACTORY_PASSWORD } from '#database/factories/user_factory'
import { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'
import { createHttpImage, recordEnvironment, waitForState } from '#tests/helpers/environments'
import { clearGuacamoleRecords } from '#tests/helpers/fake_guacamole'
import { testEngine } from '#tests/helpers/docker'

const ago = (minutes: number) => DateTime.utc().minus({ minutes })

function assertAbout(
  assert: { closeTo: (actual: number, expected: number, delta: number) => void },
  actual: DateTime | string | null,
  expected: DateTime,
  toleranceMs = 2000
) {
  const value = typeof actual === 'string' ? DateTime.fromISO(actual) : actual
  assert.closeTo(value?.toMillis() ?? 0, expected.toMillis(), toleranceMs)
}

/** A session row exactly as Guacamole 1.6 writes it (JDBC module). */
function guacamoleSession(environmentId: number, start: DateTime, end: DateTime | null) {
  const name = guacamoleUsername(environmentId)
  return db
    .connection(GUACAMOLE_CONNECTION)
    .table('guacamole_connection_history')
    .insert({
      user_id: null,
      username: name,
      remote_host: '127.0.0.1',
      connection_id: null,
      connection_name: name,
      start_date: start.toJSDate(),
      end_date: end?.toJSDate() ?? null,
    })
}

/** A loopback stand-in for Jupyter's /api/status, refusing requests without its token. */
async function jupyterStatus(token: string, lastActivity: () => string) {
  const seen: (string | undefined)[] = []
  const server: Server = createServer((request, response) => {
    seen.push(request.headers.authorization)
    if (request.url !== '/api/status') {
      response.writeHead(404).end()
    } else if (request.headers.authorization !== `token ${token}`) {
      response.writeHead(403, { 'content-type': 'application/json' }).end('{"message":"Forbidden"}')
    } else {
      response.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          started: ago(300).toISO(),
          last_activity: lastActivity(),
          connections: 0,
          kernels: 1,
        })
      )
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, port: (server.address() as AddressInfo).port, seen }
}

test.group('Environment activity', (group) => {
  isolateEachTest(group)
  group.each.teardown(() => clearGuacamoleRecords())

  test("Guacamole's connection history moves lastActivityAt forward; an open session is use now", async ({
    client,
    assert,
  }) => {
    const owner = await createUser()
    const image = await createHttpImage({ protocol: 'vnc', port: 5901 })
    const fields = {
      userId: owner.id,
      imageId: image.id,
      state: 'running' as const,
      createdAt: ago(180),
      lastActivityAt: ago(180),
    }
    const used = await recordEnvironment(fields)
    const unused = await recordEnvironment(fields)
    // Guacamole's DATETIME columns hold whole seconds.
    const ended = ago(60).startOf('second')
    await guacamoleSession(used.id, ago(120), ended)

    const activity = await app.container.make(EnvironmentActivity)
    assert.equal(await activity.refresh(), 1)
    await used.refresh()
    await unused.refresh()
    assertAbout(assert, used.lastActivityAt, ended, 1000)
    assertAbout(assert, unused.lastActivityAt, fields.lastActivityAt, 1000)

    const browser = new ApiSession(client)
    await browser.login(owner.username, FACTORY_PASSWORD)
    const shown = await browser.get(`/api/v1/environments/${used.id}`)
    assertAbout(assert, shown.body().data.lastActivityAt, ended, 1000)
    const listed = await browser.get('/api/v1/environments')
    const inList = listed.body().data.find((item: { id: number }) => item.id === used.id)
    assertAbout(assert, inList.lastActivityAt, ended, 1000)

    await guacamoleSession(used.id, ago(10), null)
    await activity.refresh()
    await used.refresh()
    assertAbout(assert, used.lastActivityAt, DateTime.utc(), 5000)
  })

  test("a web application's own activity (Jupyter's /api/status) is read with the environment's token", async ({
    assert,
  }) => {
    const owner = await createUser()
    const image = await createHttpImage({ environment: { WEB_TOKEN_PARAM: 'token' } })
    let reported = ago(20).toISO()!
    const jupyter = await jupyterStatus('s3cret-token', () => reported)
    try {
      const fields = {
        userId: owner.id,
        imageId: image.id,
        state: 'running' as const,
        endpointHost: '127.0.0.1',
        endpointPort: jupyter.port,
        createdAt: ago(180),
        lastActivityAt: ago(120),
      }
      const jupyterEnvironment = await recordEnvironment({
        ...fields,
        secret: encryption.encrypt('s3cret-token'),
      })
      const wrongToken = await recordEnvironment({
        ...fields,
        secret: encryption.encrypt('another-secret'),
      })
      const activity = await app.container.make(EnvironmentActivity)
      assert.equal(await activity.refresh(), 1)
      await jupyterEnvironment.refresh()
      await wrongToken.refresh()
      assertAbout(assert, jupyterEnvironment.lastActivityAt, ago(20))
      assertAbout(assert, wrongToken.lastActivityAt, ago(120))
      assert.includeMembers(jupyter.seen, ['token s3cret-token', 'token another-secret'])

      // Older news never moves it back; a clock ahead of ours never makes it future.
      reported = ago(90).toISO()!
      assert.equal(await activity.refresh(), 0)
      reported = DateTime.utc().plus({ hours: 2 }).toISO()!
      await activity.refresh()
      await jupyterEnvironment.refresh()
      assert.isTrue(jupyterEnvironment.lastActivityAt! <= DateTime.utc())
    } finally {
      jupyter.server.close()
    }
  })
})

test.group('Idle environments on the real engine', (group) => {
  isolateEachTest(group)
  group.each.teardown(() => EnvironmentProvisioner.settle())

  test('an idle environment is warned about, stopped (not removed) on time, audited, and starts again', async ({
    client,
    assert,
  }) => {
    const owner = await createUser()
    const browser = new ApiSession(client)
    await browser.login(owner.username, FACTORY_PASSWORD)
    const image = await createHttpImage({ idleLimitMinutes: 120 })
    const id = (await browser.post('/api/v1/environments', { imageId: image.id })).body().data
      .id as number
    const running = await waitForState(browser, id, ['running', 'failed'])
    assert.equal(running.state, 'running', running.failureReason)
    // Starting counts as use; so does opening it through the portal.
    assertAbout(assert, running.lastActivityAt, DateTime.utc(), 15_000)
    const setActivity = (at: DateTime) =>
      db
        .from('environments')
        .where('id', id)
        .update({ last_activity_at: toSqlTimestamp(at) })
    await setActivity(ago(30))
    ;(await browser.post(`/api/v1/environments/${id}/access`)).assertStatus(200)
    assertAbout(assert, (await Environment.findOrFail(id)).lastActivityAt, DateTime.utc())

    // 100 minutes without use: the 1-hour warning (busybox has no /api/status to say otherwise).
    await setActivity(ago(100))
    await (await app.container.make(EnvironmentActivity)).refresh()
    const idleStop = await app.container.make(EnvironmentIdleStop)
    assert.equal(await idleStop.run(), 0, 'not idle long enough yet')
    assert.equal(await (await app.container.make(EnvironmentWarnings)).run(), 1)
    const [warning] = await Notification.query().where('environment_id', id)
    assert.equal(warning.kind, 'idle_warning')

    await setActivity(ago(121))
    assert.equal(await idleStop.run(), 1)
    assert.equal(await idleStop.run(), 0, 'stopped once')
    const stopped = await waitForState(browser, id, ['stopped', 'failed'])
    assert.equal(stopped.state, 'stopped')
    const environment = await Environment.findOrFail(id)
    const container = await (await testEngine()).getContainer(environment.engineId!).inspect()
    assert.isFalse(container.State.Running, 'stopped on the engine, not removed')

    const audit = await AuditEvent.query()
      .where('action', 'environment.idle_stop')
      .where('object_id', String(id))
    assert.lengthOf(audit, 1)
    assert.isNull(audit[0].actorId)
    assert.equal(audit[0].details?.idleLimitMinutes, 120)
    const stoppedNotice = await Notification.query()
      .where('environment_id', id)
      .where('kind', 'idle_stopped')
    assert.lengthOf(stoppedNotice, 1)
    assert.equal(stoppedNotice[0].userId, owner.id)

    ;(await browser.post(`/api/v1/environments/${id}/start`)).assertStatus(202)
    const again = await waitForState(browser, id, ['running', 'failed'])
    assert.equal(again.state, 'running')
    assertAbout(assert, again.lastActivityAt, DateTime.utc(), 15_000)
    assert.equal(await idleStop.run(), 0, 'a restart is use')
    ;(await browser.delete(`/api/v1/environments/${id}`)).assertStatus(202)
    await waitForState(browser, id, ['removed'])
  }).timeout(60_000)

  test('an idle limit shorter than every warning lead is warned a quarter of the limit before', async ({
    assert,
  }) => {
    const owner = await createUser()
    const image = await createHttpImage({ idleLimitMinutes: 40 })
    const environment = await recordEnvironment({
      userId: owner.id,
      imageId: image.id,
      state: 'running',
      expiresAt: DateTime.utc().plus({ days: 5 }),
      lastActivityAt: ago(25),
    })
    const warnings = await app.container.make(EnvironmentWarnings)
    assert.equal(await warnings.run(), 0, '15 minutes left, warned at 10')
    await db
      .from('environments')
      .where('id', environment.id)
      .update({ last_activity_at: toSqlTimestamp(ago(31)) })
    assert.equal(await warnings.run(), 1)
  })
})
