import { test } from '@japa/runner'
import type { ApiClient } from '@japa/api-client'
import app from '@adonisjs/core/services/app'
import AuditEvent from '#models/audit_event'
import DockerDriver from '#services/provisioning/docker_driver'
import EnvironmentProvisioner from '#services/environments/environment_provisioner'
import { FACTORY_PASSWORD } from '#database/factories/user_factory'
import { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'
import { signIn } from '#tests/helpers/sign_in'
import { createHttpImage, waitForState } from '#tests/helpers/environments'

const BASE = '/api/v1/admin/environments'

/** An owner with a running environment on the real Docker engine. */
async function runningEnvironment(client: ApiClient) {
  const { user: owner, browser: ownerBrowser } = await signIn(client, [])
  const image = await createHttpImage()
  const created = await ownerBrowser.post('/api/v1/environments', { imageId: image.id })
  created.assertStatus(202)
  const id = created.body().data.id as number
  const running = await waitForState(ownerBrowser, id, ['running', 'failed'])
  if (running.state !== 'running') {
    throw new Error(`environment did not start: ${running.failureReason}`)
  }
  return { owner, ownerBrowser, image, id }
}

async function engineHas(id: number) {
  const driver = await app.container.make(DockerDriver)
  return (await driver.list()).some((instance) => instance.environmentId === id)
}

test.group('Admin: environments on a real Docker engine', (group) => {
  isolateEachTest(group)
  // Background engine work must finish before the test's transaction is rolled back.
  group.each.teardown(() => EnvironmentProvisioner.settle())

  test("an admin lists, stops and removes another user's environment, audited with the owner", async ({
    client,
    assert,
  }) => {
    const { user: admin, browser } = await signIn(client)
    const { owner, ownerBrowser, image, id } = await runningEnvironment(client)

    const listed = await browser.get(`${BASE}?userId=${owner.id}&state=running`)
    listed.assertStatus(200)
    assert.lengthOf(listed.body().data, 1)
    const shown = listed.body().data[0]
    assert.include(shown, { id, userId: owner.id, username: owner.username, imageId: image.id })
    assert.isString(shown.endpoint.host)
    assert.isAbove(shown.endpoint.port, 0)
    assert.notProperty(shown, 'secret')
    assert.lengthOf(
      (await browser.get(`${BASE}?imageId=${image.id}&driver=kubernetes`)).body().data,
      0
    )

    const stopped = await browser.post(`${BASE}/${id}/stop`)
    stopped.assertStatus(202)
    assert.equal(stopped.body().data.state, 'stopping')
    assert.equal((await waitForState(ownerBrowser, id, ['stopped', 'failed'])).state, 'stopped')
    // The same guarded transition as the owner's: stopping twice is a conflict.
    const again = await browser.post(`${BASE}/${id}/stop`)
    again.assertStatus(409)
    assert.equal(again.body().errors[0].code, 'E_INVALID_STATE')

    const removed = await browser.delete(`${BASE}/${id}`)
    removed.assertStatus(202)
    assert.equal((await waitForState(ownerBrowser, id, ['removed'])).state, 'removed')
    assert.isFalse(await engineHas(id))
    ;(await browser.delete(`${BASE}/${id}`)).assertStatus(409)
    assert.lengthOf((await browser.get(`${BASE}?userId=${owner.id}`)).body().data, 0)
    assert.lengthOf((await browser.get(`${BASE}?userId=${owner.id}&state=removed`)).body().data, 1)

    const events = await AuditEvent.query()
      .whereIn('action', ['environment.stop', 'environment.remove'])
      .where('object_id', String(id))
      .orderBy('id', 'asc')
    assert.deepEqual(
      events.map((event) => [event.action, event.actorId]),
      [
        ['environment.stop', admin.id],
        ['environment.remove', admin.id],
      ]
    )
    assert.deepEqual(events[0].details, { ownerId: owner.id, ownerUsername: owner.username })
  })

  test('disabling with stopEnvironments stops the running environments of the account', async ({
    client,
    assert,
  }) => {
    const { browser } = await signIn(client)
    const { owner, id } = await runningEnvironment(client)
    const updated = await browser.patch(`/api/v1/admin/users/${owner.id}`, {
      disabled: true,
      stopEnvironments: true,
    })
    updated.assertStatus(200)
    await EnvironmentProvisioner.settle()
    const listed = await browser.get(`${BASE}?userId=${owner.id}`)
    assert.equal(listed.body().data[0].state, 'stopped')
    const event = await AuditEvent.query().where('action', 'user.update').firstOrFail()
    assert.deepEqual(event.details!.stoppedEnvironments, [id])
  })

  test('sorts and filters the list; unknown ids are 404 and bad queries 422', async ({
    client,
    assert,
  }) => {
    const { browser } = await signIn(client)
    const { owner } = await runningEnvironment(client)
    const big = await createHttpImage({ memoryBytes: 128 * 1024 * 1024 })
    const ownerBrowser = new ApiSession(client)
    await ownerBrowser.login(owner.username, FACTORY_PASSWORD)
    const second = await ownerBrowser.post('/api/v1/environments', { imageId: big.id })
    second.assertStatus(202)
    await waitForState(ownerBrowser, second.body().data.id, ['running', 'failed'])

    const ascending = (await browser.get(`${BASE}?userId=${owner.id}&sort=memoryBytes`)).body()
    assert.deepEqual(
      ascending.data.map((environment: any) => environment.resources.memoryBytes),
      [64 * 1024 * 1024, 128 * 1024 * 1024]
    )
    const descending = (await browser.get(`${BASE}?userId=${owner.id}&sort=-memoryBytes`)).body()
    assert.equal(descending.data[0].id, second.body().data.id)
    const paged = await browser.get(`${BASE}?userId=${owner.id}&perPage=1&sort=createdAt`)
    assert.include(paged.body().meta, { total: 2, perPage: 1, lastPage: 2 })

    for (const call of [
      () => browser.post(`${BASE}/999999/stop`),
      () => browser.delete(`${BASE}/999999`),
    ]) {
      ;(await call()).assertStatus(404)
    }
    for (const [query, field] of [
      ['sort=name', 'sort'],
      ['state=sleeping', 'state'],
      ['driver=podman', 'driver'],
      ['userId=abc', 'userId'],
    ]) {
      const refused = await browser.get(`${BASE}?${query}`)
      refused.assertStatus(422)
      assert.equal(refused.body().errors[0].field, field)
    }
    const badId = await browser.post(`${BASE}/abc/stop`)
    badId.assertStatus(422)
    assert.equal(badId.body().errors[0].field, 'params.id')
  })
})
