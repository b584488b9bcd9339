import { test } from '@japa/runner'
import type { ApiClient } from '@japa/api-client'
import encryption from '@adonisjs/core/services/encryption'
import limiter from '@adonisjs/limiter/services/main'
import env from '#start/env'
import accessConfig from '#config/access'
import Environment from '#models/environment'
import EnvironmentAccess from '#models/environment_access'
import User from '#models/user'
import { createUser } from '#database/factories/user_factory'
import { ApiSession } from '#tests/helpers/api_session'
import { createHttpImage, recordEnvironment } from '#tests/helpers/environments'
import { freePort } from '#tests/helpers/portal_process'
import {
  clearGuacamoleRecords,
  fakeGuacamole,
  guacamoleRowsOf,
} from '#tests/helpers/fake_guacamole'

type Cleanup = (fn: () => void | Promise<void>) => void

const TOKENISED_URL = /\/#\/client\/([\w-]+)\?token=([0-9A-F]+)$/

/**
 * A running VNC environment record (no container: access only reads the
 * record) and its owner's API session. Committed for real, outside any
 * per-test transaction, so that concurrent requests meet real row locks.
 */
async function ownedRunningEnvironment(client: ApiClient, cleanup: Cleanup) {
  const user = await createUser()
  user.displayName = 'Rosalind Franklin'
  await user.save()
  const image = await createHttpImage({ protocol: 'vnc', port: 5901 })
  const environment = await recordEnvironment({
    userId: user.id,
    imageId: image.id,
    state: 'running',
    secret: encryption.encrypt('vnc-secret'),
    endpointHost: '127.0.0.1',
    endpointPort: await freePort(),
  })
  cleanup(async () => {
    await Environment.query().where('id', environment.id).delete()
    await image.delete()
    await User.query().where('id', user.id).delete()
  })
  const token = (await User.accessTokens.create(user, ['*'], { name: 'rotation test' })).value!
  return { environment, api: ApiSession.withToken(client, token.release()) }
}

/** The answers' credentials, exactly one of which Guacamole must still accept. */
async function acceptedBy(credentials: Record<string, string>[]) {
  const statuses = []
  for (const entry of credentials) {
    statuses.push((await fakeGuacamole.authenticate(entry)).status)
  }
  return statuses
}

test.group('Guacamole access: fresh credentials on every request, under real locks', (group) => {
  group.each.setup(() => limiter.clear())
  group.each.teardown(() => clearGuacamoleRecords())

  test('concurrent requests each get a token Guacamole issued, all for one user and connection', async ({
    client,
    assert,
    cleanup,
  }) => {
    const { environment, api } = await ownedRunningEnvironment(client, cleanup)
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => api.post(`/api/v1/environments/${environment.id}/access`))
    )
    const opened = answers.map((answer) => {
      answer.assertStatus(200)
      const { data } = answer.body()
      // A fallback to credentials would mean another request rotated them before the exchange.
      assert.notProperty(data, 'credentials')
      assert.isTrue(data.url.startsWith(env.get('GUACAMOLE_URL')!), data.url)
      const [, clientId, token] = TOKENISED_URL.exec(data.url) ?? []
      return { clientId, issued: fakeGuacamole.issued.get(token) }
    })
    assert.equal(new Set(opened.map((entry) => entry.clientId)).size, 1)
    const usernames = new Set(opened.map((entry) => entry.issued?.username))
    assert.equal(usernames.size, 1)
    assert.isString([...usernames][0])

    const rows = await guacamoleRowsOf(environment.id)
    assert.lengthOf(rows.entities, 1)
    assert.lengthOf(rows.users, 1)
    assert.lengthOf(rows.userPermissions, 1)
    assert.lengthOf(rows.connections, 1)
    assert.lengthOf(rows.permissions, 1)
    assert.equal(rows.users[0].full_name, 'Rosalind Franklin')
    const access = await EnvironmentAccess.findByOrFail('environment_id', environment.id)
    assert.equal(access.guacamoleUsername, [...usernames][0])
    const stored = {
      username: access.guacamoleUsername,
      password: encryption.decrypt<string>(access.guacamolePassword)!,
    }
    assert.equal((await fakeGuacamole.authenticate(stored)).status, 200)
  })

  test('without the token exchange, each answer carries a new password and only the latest works', async ({
    client,
    assert,
    cleanup,
  }) => {
    const { environment, api } = await ownedRunningEnvironment(client, cleanup)
    const apiUrl = accessConfig.guacamole.apiUrl
    accessConfig.guacamole.apiUrl = undefined
    cleanup(() => {
      accessConfig.guacamole.apiUrl = apiUrl
    })
    const open = async () => {
      const answer = await api.post(`/api/v1/environments/${environment.id}/access`)
      answer.assertStatus(200)
      return answer.body().data.credentials as Record<string, string>
    }

    const first = await open()
    assert.equal((await fakeGuacamole.authenticate(first)).status, 200)
    const second = await open()
    assert.equal(second.username, first.username)
    assert.notEqual(second.password, first.password)
    // A leaked earlier answer is dead as soon as its owner asks again.
    assert.deepEqual(await acceptedBy([first, second]), [403, 200])

    const concurrent = await Promise.all(Array.from({ length: 5 }, open))
    assert.equal(new Set(concurrent.map((entry) => entry.password)).size, 5)
    const statuses = await acceptedBy([second, ...concurrent])
    assert.deepEqual(
      statuses.filter((status) => status === 200),
      [200],
      'exactly one password works'
    )
    // The one that works is the one the portal remembers: its records and Guacamole agree.
    const access = await EnvironmentAccess.findByOrFail('environment_id', environment.id)
    const working = [second, ...concurrent][statuses.indexOf(200)]
    assert.equal(encryption.decrypt(access.guacamolePassword), working.password)
    assert.lengthOf((await guacamoleRowsOf(environment.id)).entities, 1)
  })
})
