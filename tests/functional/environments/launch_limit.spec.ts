import { test } from '@japa/runner'
import type { ApiClient } from '@japa/api-client'
import app from '@adonisjs/core/services/app'
import Environment from '#models/environment'
import environmentsConfig from '#config/environments'
import DockerDriver from '#services/provisioning/docker_driver'
import EnvironmentProvisioner from '#services/environments/environment_provisioner'
import { createUser, FACTORY_PASSWORD } from '#database/factories/user_factory'
import { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'
import { createHttpImage, recordEnvironment, waitForState } from '#tests/helpers/environments'

async function signedIn(client: ApiClient) {
  const user = await createUser()
  const browser = new ApiSession(client)
  ;(await browser.login(user.username, FACTORY_PASSWORD)).assertStatus(200)
  return { user, browser }
}

async function containerCount() {
  const driver = await app.container.make(DockerDriver)
  return (await driver.list()).length
}

test.group('Environments: site-wide limit on launches in progress', (group) => {
  isolateEachTest(group)
  group.each.teardown(() => EnvironmentProvisioner.settle())

  const configured = environmentsConfig.maxConcurrentLaunches
  group.each.setup(() => {
    environmentsConfig.maxConcurrentLaunches = 1
    return () => {
      environmentsConfig.maxConcurrentLaunches = configured
    }
  })

  test('while another user’s launch is in progress, a requisition gets 429 + Retry-After and nothing is recorded', async ({
    client,
    assert,
  }) => {
    const image = await createHttpImage()
    const other = await createUser()
    await recordEnvironment({ userId: other.id, imageId: image.id, state: 'provisioning' })
    const { user, browser } = await signedIn(client)
    const containersBefore = await containerCount()

    const refused = await browser.post('/api/v1/environments', { imageId: image.id })
    refused.assertStatus(429)
    assert.equal(refused.body().errors[0].code, 'E_LAUNCH_LIMIT')
    assert.equal(refused.header('retry-after'), '10')
    // The refusal says nothing about whose launches they are.
    assert.notInclude(JSON.stringify(refused.body()), other.username)
    assert.lengthOf(await Environment.query().where('user_id', user.id), 0)
    assert.equal(await containerCount(), containersBefore)
  })

  test('starting a stopped environment is a launch too; it goes through once the other launch ends', async ({
    client,
    assert,
  }) => {
    const image = await createHttpImage()
    const other = await createUser()
    const launching = await recordEnvironment({
      userId: other.id,
      imageId: image.id,
      state: 'provisioning',
    })
    const { user, browser } = await signedIn(client)
    const parked = await recordEnvironment({ userId: user.id, imageId: image.id, state: 'stopped' })

    const refused = await browser.post(`/api/v1/environments/${parked.id}/start`)
    refused.assertStatus(429)
    assert.equal((await Environment.findOrFail(parked.id)).state, 'stopped')

    // The other launch ends (failed, say): the limit no longer applies.
    launching.state = 'failed'
    await launching.save()
    ;(await browser.post(`/api/v1/environments/${parked.id}/start`)).assertStatus(202)
    await waitForState(browser, parked.id, ['running'])
    ;(await browser.delete(`/api/v1/environments/${parked.id}`)).assertStatus(202)
    await EnvironmentProvisioner.settle()
    assert.equal((await Environment.findOrFail(parked.id)).state, 'removed')
    assert.lengthOf(
      await Environment.query().where('user_id', user.id).where('state', 'running'),
      0
    )
  })
})
