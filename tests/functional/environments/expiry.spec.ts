import { DateTime } from 'luxon'
import { test } from '@japa/runner'
import type User from '#models/user'
import app from '@adonisjs/core/services/app'
import EnvironmentExpiry from '#services/environments/environment_expiry'
import EnvironmentProvisioner from '#services/environments/environment_provisioner'
import { createUser, FACTORY_PASSWORD } from '#database/factories/user_factory'
import { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'
import { createHttpImage } from '#tests/helpers/environments'
import { EnvironmentFactory } from '#database/factories/environment_factory'

/** A stopped environment record (no engine object needed to change its expiry). */
async function stoppedEnvironment(owner: User, expiresInHours = 24) {
  const image = await createHttpImage()
  return EnvironmentFactory.merge({
    userId: owner.id,
    imageId: image.id,
    name: 'stopped one',
    driver: 'docker',
    state: 'stopped',
    secret: 'encrypted-elsewhere',
    cpuMillicores: 100,
    memoryBytes: 1024,
    storageBytes: 0,
    gpus: 0,
    expiresAt: DateTime.utc().plus({ hours: expiresInHours }),
  }).create()
}

test.group('Environment lifetime', (group) => {
  isolateEachTest(group)
  group.each.teardown(() => EnvironmentProvisioner.settle())

  test('the owner extends within the maximum lifetime, and no further', async ({
    client,
    assert,
  }) => {
    const owner = await createUser()
    const environment = await stoppedEnvironment(owner)
    const browser = new ApiSession(client)
    await browser.login(owner.username, FACTORY_PASSWORD)

    const inTwoDays = DateTime.utc().plus({ days: 2 }).toISO()
    const extended = await browser.patch(`/api/v1/environments/${environment.id}`, {
      expiresAt: inTwoDays,
    })
    extended.assertStatus(200)
    assert.closeTo(
      new Date(extended.body().data.expiresAt).getTime(),
      new Date(inTwoDays!).getTime(),
      1000
    )

    const farAway = DateTime.utc().plus({ years: 5 }).toISO()
    const capped = await browser.patch(`/api/v1/environments/${environment.id}`, {
      expiresAt: farAway,
    })
    const max = environment.createdAt.plus({ hours: 720 }).toMillis()
    assert.closeTo(new Date(capped.body().data.expiresAt).getTime(), max, 1000)

    const past = await browser.patch(`/api/v1/environments/${environment.id}`, {
      expiresAt: '2000-01-01T00:00:00Z',
    })
    past.assertStatus(422)
    assert.equal(past.body().errors[0].field, 'expiresAt')
  })

  test("an admin changes anyone's expiry; a scientist may not use the admin route", async ({
    client,
    assert,
  }) => {
    const owner = await createUser()
    const environment = await stoppedEnvironment(owner)
    const admin = await createUser({ roles: ['admin'] })
    const adminBrowser = new ApiSession(client)
    await adminBrowser.login(admin.username, FACTORY_PASSWORD)
    const inOneHour = DateTime.utc().plus({ hours: 1 }).toISO()

    const shortened = await adminBrowser.patch(`/api/v1/admin/environments/${environment.id}`, {
      expiresAt: inOneHour,
    })
    shortened.assertStatus(200)
    assert.equal(shortened.body().data.id, environment.id)

    const scientist = new ApiSession(client)
    await scientist.login(owner.username, FACTORY_PASSWORD)
    ;(
      await scientist.patch(`/api/v1/admin/environments/${environment.id}`, {
        expiresAt: inOneHour,
      })
    ).assertStatus(403)
    ;(
      await adminBrowser.patch('/api/v1/admin/environments/999999', { expiresAt: inOneHour })
    ).assertStatus(404)
  })

  test('the expiry job sends expired environments to removal', async ({ assert }) => {
    const owner = await createUser()
    const expired = await stoppedEnvironment(owner, -1)
    const alive = await stoppedEnvironment(owner, 5)

    const expiry = await app.container.make(EnvironmentExpiry)
    assert.equal(await expiry.run(), 1)
    await EnvironmentProvisioner.settle()

    await expired.refresh()
    await alive.refresh()
    assert.equal(expired.state, 'removed')
    assert.equal(alive.state, 'stopped')
  })
})
