import { readFile } from 'node:fs/promises'
import { test } from '@japa/runner'
import env from '#start/env'
import type { ApiClient } from '@japa/api-client'
import app from '@adonisjs/core/services/app'
import encryption from '@adonisjs/core/services/encryption'
import AuditEvent from '#models/audit_event'
import Environment from '#models/environment'
import EnvironmentAccess from '#models/environment_access'
import EnvironmentProvisioner from '#services/environments/environment_provisioner'
import { createUser, FACTORY_PASSWORD } from '#database/factories/user_factory'
import { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'
import { createHttpImage, waitForState } from '#tests/helpers/environments'
import {
  clearGuacamoleRecords,
  fakeGuacamole,
  guacamoleRowsOf,
  useGuacamoleAdmin,
} from '#tests/helpers/fake_guacamole'

const CLIENT_URL = new RegExp(
  `^${escapeRegExp(env.get('GUACAMOLE_URL')!)}/#/client/([\\w-]+)\\?token=([0-9A-F]+)$`
)

function escapeRegExp(text: string) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

async function signedIn(client: ApiClient) {
  const user = await createUser()
  const browser = new ApiSession(client)
  await browser.login(user.username, FACTORY_PASSWORD)
  return { user, browser }
}

async function launch(browser: ApiSession, imageId: number) {
  const id = (await browser.post('/api/v1/environments', { imageId })).body().data.id as number
  const running = await waitForState(browser, id, ['running', 'failed'])
  if (running.state !== 'running') {
    throw new Error(`environment ${id} failed: ${running.failureReason}`)
  }
  return id
}

/** The Guacamole credentials the portal keeps for an environment (decrypted). */
async function credentialsOf(environmentId: number) {
  const access = await EnvironmentAccess.findByOrFail('environment_id', environmentId)
  return {
    username: access.guacamoleUsername,
    password: encryption.decrypt<string>(access.guacamolePassword)!,
  }
}

async function secretOf(environmentId: number) {
  return encryption.decrypt<string>((await Environment.findOrFail(environmentId)).secret)!
}

function parameter(rows: Awaited<ReturnType<typeof guacamoleRowsOf>>, name: string) {
  return rows.parameters.find((row) => row.parameter_name === name)?.parameter_value
}

test.group('Environments: remote access through Guacamole', (group) => {
  isolateEachTest(group)
  group.each.teardown(async () => {
    // Engine work first; then Guacamole's rows, which are committed for real.
    await EnvironmentProvisioner.settle()
    await clearGuacamoleRecords()
  })

  test('owner gets a tokenised client URL; others 404; stop revokes; nothing secret is recorded', async ({
    client,
    assert,
  }) => {
    const { browser } = await signedIn(client)
    const image = await createHttpImage({ protocol: 'vnc', port: 5901 })
    const created = await browser.post('/api/v1/environments', { imageId: image.id })
    const id = created.body().data.id as number
    // Still provisioning: not yet.
    const early = await browser.post(`/api/v1/environments/${id}/access`)
    early.assertStatus(409)
    assert.equal(early.body().errors[0].code, 'E_INVALID_STATE')
    assert.equal((await waitForState(browser, id, ['running', 'failed'])).state, 'running')

    const opened = await browser.post(`/api/v1/environments/${id}/access`)
    opened.assertStatus(200)
    assert.equal(opened.header('cache-control'), 'no-store')
    const { data } = opened.body()
    assert.equal(data.kind, 'guacamole')
    assert.notProperty(data, 'credentials')
    const [, clientId, token] = CLIENT_URL.exec(data.url) ?? []
    assert.exists(token, data.url)
    // The token is one the (fake) Guacamole issued after checking the database rows.
    const credentials = await credentialsOf(id)
    assert.deepEqual(fakeGuacamole.issued.get(token), {
      username: credentials.username,
      dataSource: 'mysql',
    })
    const rows = await guacamoleRowsOf(id)
    assert.equal(
      Buffer.from(clientId, 'base64url').toString(),
      `${rows.connections[0].connection_id}\0c\0mysql`
    )
    const environment = await Environment.findOrFail(id)
    const secret = await secretOf(id)
    assert.equal(parameter(rows, 'hostname'), environment.endpointHost)
    assert.equal(parameter(rows, 'port'), String(environment.endpointPort))
    assert.equal(parameter(rows, 'password'), secret)

    // Someone else's environment does not exist for them.
    const { browser: stranger } = await signedIn(client)
    ;(await stranger.post(`/api/v1/environments/${id}/access`)).assertStatus(404)

    ;(await browser.post(`/api/v1/environments/${id}/stop`)).assertStatus(202)
    const revoked = await guacamoleRowsOf(id)
    assert.lengthOf(revoked.entities, 0)
    assert.lengthOf(revoked.connections, 0)
    assert.isNull(await EnvironmentAccess.findBy('environment_id', id))
    assert.equal((await fakeGuacamole.authenticate(credentials)).status, 403)
    await waitForState(browser, id, ['stopped'])
    const stopped = await browser.post(`/api/v1/environments/${id}/access`)
    stopped.assertStatus(409)
    assert.equal(stopped.body().errors[0].code, 'E_INVALID_STATE')

    // Every attempt is in the trail; no credential anywhere in it or in the log.
    const events = await AuditEvent.query()
      .where('action', 'environment.access')
      .where('object_id', String(id))
      .orderBy('id')
    assert.deepEqual(
      events.map((event) => event.outcome),
      ['denied', 'success', 'denied', 'denied']
    )
    const trail = JSON.stringify(events.map((event) => event.serialize()))
    const log = await readFile(app.makePath(env.get('LOG_FILE')!), 'utf8').catch(() => '')
    for (const value of [credentials.password, secret, token]) {
      assert.notInclude(trail, value)
      assert.notInclude(log, value)
    }
  })

  test('remove revokes; two environments get different secrets and passwords', async ({
    client,
    assert,
  }) => {
    const { browser } = await signedIn(client)
    const image = await createHttpImage({ protocol: 'vnc', port: 5901 })
    const first = await launch(browser, image.id)
    const second = await launch(browser, image.id)
    for (const id of [first, second]) {
      ;(await browser.post(`/api/v1/environments/${id}/access`)).assertStatus(200)
    }
    const [one, two] = [await credentialsOf(first), await credentialsOf(second)]
    assert.notEqual(one.username, two.username)
    assert.notEqual(one.password, two.password)
    const [rowsOne, rowsTwo] = [await guacamoleRowsOf(first), await guacamoleRowsOf(second)]
    assert.notEqual(parameter(rowsOne, 'password'), parameter(rowsTwo, 'password'))
    assert.equal(parameter(rowsOne, 'password'), await secretOf(first))
    assert.equal(parameter(rowsTwo, 'password'), await secretOf(second))

    ;(await browser.delete(`/api/v1/environments/${first}`)).assertStatus(202)
    assert.lengthOf((await guacamoleRowsOf(first)).entities, 0)
    assert.equal((await fakeGuacamole.authenticate(one)).status, 403)
    assert.equal((await fakeGuacamole.authenticate(two)).status, 200)
    await waitForState(browser, first, ['removed'])
    ;(await browser.delete(`/api/v1/environments/${second}`)).assertStatus(202)
    await waitForState(browser, second, ['removed'])
    assert.equal((await fakeGuacamole.authenticate(two)).status, 403)
  })

  test("an endpoint reused later never opens with the earlier environment's credentials", async ({
    client,
    assert,
  }) => {
    const { browser } = await signedIn(client)
    const image = await createHttpImage({ protocol: 'vnc', port: 5901 })
    const earlier = await launch(browser, image.id)
    ;(await browser.post(`/api/v1/environments/${earlier}/access`)).assertStatus(200)
    const old = await credentialsOf(earlier)
    const endpoint = await Environment.findOrFail(earlier)
    ;(await browser.delete(`/api/v1/environments/${earlier}`)).assertStatus(202)
    await waitForState(browser, earlier, ['removed'])

    const later = await launch(browser, image.id)
    // Whatever port the engine chose, make the later one sit exactly where the earlier one was.
    await Environment.query()
      .where('id', later)
      .update({ endpoint_host: endpoint.endpointHost, endpoint_port: endpoint.endpointPort })
    const opened = await browser.post(`/api/v1/environments/${later}/access`)
    opened.assertStatus(200)
    assert.match(opened.body().data.url, CLIENT_URL)
    const rows = await guacamoleRowsOf(later)
    assert.equal(parameter(rows, 'port'), String(endpoint.endpointPort))
    assert.equal(parameter(rows, 'password'), await secretOf(later))
    assert.notEqual(parameter(rows, 'password'), await secretOf(earlier))
    assert.equal((await fakeGuacamole.authenticate(old)).status, 403)
    assert.notEqual((await credentialsOf(later)).username, old.username)
    ;(await browser.delete(`/api/v1/environments/${later}`)).assertStatus(202)
    await waitForState(browser, later, ['removed'])
  })

  test('a value Guacamole cannot store is refused as permanent, and works once the image is fixed', async ({
    client,
    assert,
  }) => {
    const { browser } = await signedIn(client)
    // Stored before the catalogue refused such names (its API answers 422 now).
    const image = await createHttpImage({
      protocol: 'rdp',
      port: 3389,
      environment: { REMOTE_USER: 'anna\u{1F52C}' },
    })
    const id = await launch(browser, image.id)

    for (let attempt = 0; attempt < 2; attempt++) {
      const refused = await browser.post(`/api/v1/environments/${id}/access`)
      refused.assertStatus(409)
      const [error] = refused.body().errors
      assert.equal(error.code, 'E_ACCESS_REJECTED')
      assert.include(error.message, 'REMOTE_USER')
      assert.deepEqual(error.meta, { setting: 'REMOTE_USER', problem: 'characters' })
    }
    const rows = await guacamoleRowsOf(id)
    assert.lengthOf(rows.entities, 0)
    assert.lengthOf(rows.connections, 0)
    assert.isNull(await EnvironmentAccess.findBy('environment_id', id))
    const failures = await AuditEvent.query()
      .where('action', 'environment.access')
      .where('object_id', String(id))
      .where('outcome', 'failure')
    assert.lengthOf(failures, 2)
    assert.equal(failures[0].details?.reason, 'E_ACCESS_REJECTED')

    // An admin fixes the image: the running environment opens, with the new login name.
    image.environment = { REMOTE_USER: 'anna' }
    await image.save()
    ;(await browser.post(`/api/v1/environments/${id}/access`)).assertStatus(200)
    assert.equal(parameter(await guacamoleRowsOf(id), 'username'), 'anna')
    ;(await browser.delete(`/api/v1/environments/${id}`)).assertStatus(202)
    await waitForState(browser, id, ['removed'])
  })

  test('an http image answers its direct URL and writes nothing to Guacamole', async ({
    client,
    assert,
  }) => {
    const { browser } = await signedIn(client)
    const image = await createHttpImage()
    const id = await launch(browser, image.id)
    const opened = await browser.post(`/api/v1/environments/${id}/access`)
    opened.assertStatus(200)
    const environment = await Environment.findOrFail(id)
    assert.deepEqual(opened.body().data, {
      kind: 'web',
      url: `http://${environment.endpointHost}:${environment.endpointPort}/`,
    })
    assert.lengthOf((await guacamoleRowsOf(id)).entities, 0)
    const answer = await fetch(opened.body().data.url)
    assert.isBelow(answer.status, 500)
    ;(await browser.delete(`/api/v1/environments/${id}`)).assertStatus(202)
    await waitForState(browser, id, ['removed'])
  })

  test("a web image that takes the secret as its token gets it in the owner's URL", async ({
    client,
    assert,
  }) => {
    const { browser } = await signedIn(client)
    const image = await createHttpImage({ environment: { WEB_TOKEN_PARAM: 'token' } })
    const id = await launch(browser, image.id)
    const opened = await browser.post(`/api/v1/environments/${id}/access`)
    opened.assertStatus(200)
    const environment = await Environment.findOrFail(id)
    const url = new URL(opened.body().data.url)
    assert.equal(url.searchParams.get('token'), encryption.decrypt<string>(environment.secret))
    ;(await browser.delete(`/api/v1/environments/${id}`)).assertStatus(202)
    await waitForState(browser, id, ['removed'])
  })

  test('disabling the owner withdraws access to what still runs, stopped or not', async ({
    client,
    assert,
    cleanup,
  }) => {
    // With a Guacamole administrator configured, the open session ends too.
    cleanup(useGuacamoleAdmin())
    const { user, browser } = await signedIn(client)
    const desktop = await launch(
      browser,
      (await createHttpImage({ protocol: 'vnc', port: 5901 })).id
    )
    const web = await launch(
      browser,
      (await createHttpImage({ environment: { WEB_TOKEN_PARAM: 'token' } })).id
    )
    const opened = await browser.post(`/api/v1/environments/${desktop}/access`)
    opened.assertStatus(200)
    const [, clientId, token] = CLIENT_URL.exec(opened.body().data.url) ?? []
    const tunnel = await fakeGuacamole.connect(token, clientId)
    assert.isString(tunnel)
    const credentials = await credentialsOf(desktop)

    const admin = await createUser({ roles: ['admin'] })
    const adminSession = new ApiSession(client)
    await adminSession.login(admin.username, FACTORY_PASSWORD)
    ;(await adminSession.patch(`/api/v1/admin/users/${user.id}`, { disabled: true })).assertStatus(
      200
    )

    // The desktop keeps running, but its Guacamole user and connection are gone.
    assert.equal((await Environment.findOrFail(desktop)).state, 'running')
    const rows = await guacamoleRowsOf(desktop)
    assert.lengthOf(rows.entities, 0)
    assert.lengthOf(rows.connections, 0)
    assert.equal((await fakeGuacamole.authenticate(credentials)).status, 403)
    // The web application knows its token for good: it is stopped.
    assert.include(['stopping', 'stopped'], (await Environment.findOrFail(web)).state)
    const audit = await AuditEvent.query()
      .where('action', 'user.update')
      .where('object_id', String(user.id))
      .firstOrFail()
    assert.deepEqual(audit.details?.accessRevoked, [desktop])
    assert.deepEqual(audit.details?.stoppedEnvironments, [web])
    assert.isFalse(fakeGuacamole.active.has(tunnel!))
    assert.include(audit.details!, { guacamoleSessions: 'ended', endedSessions: 1 })
  })
})
