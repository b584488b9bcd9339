import { test } from '@japa/runner'
import type { ApiClient } from '@japa/api-client'
import app from '@adonisjs/core/services/app'
import Environment from '#models/environment'
import User from '#models/user'
import userOfficeConfig from '#config/user_office'
import DockerDriver from '#services/provisioning/docker_driver'
import UserOfficeAuthorization from '#services/user_office/user_office_authorization'
import EnvironmentProvisioner from '#services/environments/environment_provisioner'
import { createUser, FACTORY_PASSWORD } from '#database/factories/user_factory'
import { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'
import { testUserOffice } from '#tests/helpers/test_user_office'
import { createHttpImage, settleAndRemove, waitForState } from '#tests/helpers/environments'
import { ExperimentFactory, ExperimentMemberFactory } from '#database/factories/experiment_factory'

/*
 * User Office contract endpoint 3 (USER_OFFICE_AUTHORIZED_URL, set in
 * .env.test): whether a facility user may launch environments that are not
 * tied to an experiment.
 */

/** A User Office account signed in through the fixture (which syncs no experiments). */
async function facilityUser(client: ApiClient, username: string) {
  testUserOffice.addAccount({ username, password: 'uo-password' })
  testUserOffice.setExperiments(username, [])
  const browser = new ApiSession(client)
  ;(await browser.login(username, 'uo-password')).assertStatus(200)
  return browser
}

function environmentsOf(username: string) {
  return Environment.query().whereHas('user', (query) => query.where('username', username))
}

async function instanceCount() {
  const driver = await app.container.make(DockerDriver)
  return (await driver.list()).length
}

test.group('Environments outside an experiment: the User Office decides', (group) => {
  isolateEachTest(group)
  group.each.teardown(() => EnvironmentProvisioner.settle())

  test('an authorised facility user launches; the answer is kept for the next launch', async ({
    client,
    assert,
  }) => {
    const browser = await facilityUser(client, 'ada')
    testUserOffice.setAuthorized('ada', true)
    const image = await createHttpImage()

    const first = await browser.post('/api/v1/environments', { imageId: image.id })
    first.assertStatus(202)
    const second = await browser.post('/api/v1/environments', { imageId: image.id })
    second.assertStatus(202)

    assert.equal(testUserOffice.requestsTo('authorized'), 1)
    const asked = testUserOffice.requests.find((request) => request.endpoint === 'authorized')
    assert.deepEqual(asked?.body, { login: 'ada' })
    assert.deepEqual(asked?.basicAuth, {
      username: userOfficeConfig.serviceUsername,
      password: userOfficeConfig.servicePassword!.release(),
    })
    for (const created of [first, second]) {
      await settleAndRemove(browser, created.body().data.id)
    }
  })

  for (const [label, configure] of [
    ['says no', () => testUserOffice.setAuthorized('bob', false)],
    ['does not know the user (404)', () => {}],
  ] as const) {
    test(`a launch is refused with 403 when the User Office ${label}, and nothing is made`, async ({
      client,
      assert,
    }) => {
      const browser = await facilityUser(client, 'bob')
      configure()
      const image = await createHttpImage()
      const before = await instanceCount()

      const refused = await browser.post('/api/v1/environments', { imageId: image.id })

      refused.assertStatus(403)
      assert.equal(refused.body().errors[0].code, 'E_NOT_AUTHORIZED_BY_USER_OFFICE')
      assert.lengthOf(await environmentsOf('bob'), 0)
      assert.equal(await instanceCount(), before)
    })
  }

  test('a federated account is never judged by the User Office under a name its IdP asserted', async ({
    client,
    assert,
  }) => {
    // An account of the SAML IdP (no User Office resolution) that holds a User Office username.
    const federated = await createUser({ username: 'erin' })
    federated.merge({ provider: 'saml', externalId: 'eaa-hash-erin', password: null })
    await federated.save()
    const token = await User.accessTokens.create(federated, ['user'], { name: 'script' })
    const script = ApiSession.withToken(client, token.value!.release())
    testUserOffice.setAuthorized('erin', true)
    const image = await createHttpImage()

    const refused = await script.post('/api/v1/environments', { imageId: image.id })

    refused.assertStatus(403)
    assert.equal(refused.body().errors[0].code, 'E_NOT_AUTHORIZED_BY_USER_OFFICE')
    assert.equal(testUserOffice.requestsTo('authorized'), 0)
    assert.lengthOf(await environmentsOf('erin'), 0)
  })

  test('a User Office that gives no answer means 503, never a launch', async ({
    client,
    assert,
  }) => {
    const browser = await facilityUser(client, 'carol')
    testUserOffice.setAuthorized('carol', true)
    const image = await createHttpImage()

    for (const fault of [
      { kind: 'status', status: 500 },
      { kind: 'reset' },
      { kind: 'malformed' },
      { kind: 'wrongShape' },
    ] as const) {
      testUserOffice.setFault(fault, 'authorized')
      const answer = await browser.post('/api/v1/environments', { imageId: image.id })
      answer.assertStatus(503)
      assert.equal(answer.body().errors[0].code, 'E_USER_OFFICE_UNAVAILABLE', fault.kind)
    }
    assert.lengthOf(await environmentsOf('carol'), 0)

    // A failure is not kept: the next answer counts at once.
    testUserOffice.setFault(null, 'authorized')
    const accepted = await browser.post('/api/v1/environments', { imageId: image.id })
    accepted.assertStatus(202)
    await settleAndRemove(browser, accepted.body().data.id)
  })

  test('a launch on one of the user’s experiments does not ask', async ({ client, assert }) => {
    const browser = await facilityUser(client, 'dora')
    const image = await createHttpImage({ requiresExperiment: true })
    const user = (await browser.get('/api/v1/me')).body().data
    const experiment = await ExperimentFactory.merge({
      proposalId: 'P-AUTH-1',
      title: 'Authorised by membership',
      source: 'local',
    }).create()
    await ExperimentMemberFactory.merge({
      experimentId: experiment.id,
      userId: user.id,
      role: 'member',
      source: 'local',
    }).create()

    const created = await browser.post('/api/v1/environments', {
      imageId: image.id,
      experimentId: experiment.id,
    })

    created.assertStatus(202)
    assert.equal(testUserOffice.requestsTo('authorized'), 0)
    await settleAndRemove(browser, created.body().data.id)
  })

  test('local accounts are not User Office accounts and are not asked', async ({
    client,
    assert,
  }) => {
    const user = await createUser()
    const browser = new ApiSession(client)
    await browser.login(user.username, FACTORY_PASSWORD)
    const image = await createHttpImage()

    const created = await browser.post('/api/v1/environments', { imageId: image.id })

    created.assertStatus(202)
    assert.equal(testUserOffice.requestsTo('authorized'), 0)
    await settleAndRemove(browser, created.body().data.id)
  })

  test('without USER_OFFICE_AUTHORIZED_URL such launches are open to all', async ({
    client,
    assert,
    cleanup,
  }) => {
    const browser = await facilityUser(client, 'erin')
    const configured = userOfficeConfig.authorizedUrl
    userOfficeConfig.authorizedUrl = undefined
    cleanup(() => {
      userOfficeConfig.authorizedUrl = configured
    })
    const image = await createHttpImage()

    const created = await browser.post('/api/v1/environments', { imageId: image.id })

    created.assertStatus(202)
    assert.equal(testUserOffice.requestsTo('authorized'), 0)
    await settleAndRemove(browser, created.body().data.id)
  })

  test('starting a stopped environment asks again; a withdrawn authorisation keeps it stopped', async ({
    client,
    assert,
  }) => {
    const browser = await facilityUser(client, 'finn')
    testUserOffice.setAuthorized('finn', true)
    const image = await createHttpImage()
    const created = await browser.post('/api/v1/environments', { imageId: image.id })
    created.assertStatus(202)
    const id = created.body().data.id
    await waitForState(browser, id, ['running', 'failed'])
    ;(await browser.post(`/api/v1/environments/${id}/stop`)).assertStatus(202)
    await waitForState(browser, id, ['stopped'])

    testUserOffice.setAuthorized('finn', false)
    ;(await app.container.make(UserOfficeAuthorization)).forget()
    const refused = await browser.post(`/api/v1/environments/${id}/start`)

    refused.assertStatus(403)
    assert.equal(refused.body().errors[0].code, 'E_NOT_AUTHORIZED_BY_USER_OFFICE')
    assert.equal((await browser.get(`/api/v1/environments/${id}`)).body().data.state, 'stopped')
    assert.equal(testUserOffice.requestsTo('authorized'), 2)
    ;(await browser.delete(`/api/v1/environments/${id}`)).assertStatus(202)
    await waitForState(browser, id, ['removed'])
  })
})
