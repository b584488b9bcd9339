import { test } from '@japa/runner'
import type { ApiClient } from '@japa/api-client'
import db from '@adonisjs/lucid/services/db'
import Environment from '#models/environment'
import Image from '#models/image'
import EnvironmentProvisioner from '#services/environments/environment_provisioner'
import { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'
import { testUserOffice } from '#tests/helpers/test_user_office'
import { makeExperiments } from '#tests/helpers/user_office_server'
import { createHttpImage, settleAndRemove, waitForState } from '#tests/helpers/environments'

/*
 * A launch (requisition, or starting a stopped environment) rests on the
 * User Office's current word: memberships older than
 * LAUNCH_MEMBERSHIP_MAX_AGE_MINUTES (5 by default) are re-synced first.
 */

const PASSWORD = 'uo-password'

/** A User Office scientist on two proposals, signed in (which synced them). */
async function scientist(client: ApiClient, username: string) {
  testUserOffice.addAccount({ username, password: PASSWORD })
  testUserOffice.setExperiments(username, makeExperiments(2, { prefix: `${username}-` }))
  const browser = new ApiSession(client)
  ;(await browser.login(username, PASSWORD)).assertStatus(200)
  const listed = (await browser.get('/api/v1/experiments')).body().data as {
    id: number
    proposalId: string
  }[]
  const image = await createHttpImage({ requiresExperiment: true })
  return { browser, experiments: listed, image }
}

/** Makes the stored memberships look as old as a sync an hour ago. */
function ageMemberships(username: string) {
  return db
    .from('users')
    .where('username', username)
    .update({ experiments_synced_at: new Date(Date.now() - 60 * 60_000) })
}

function environmentsOf(username: string) {
  return Environment.query().whereHas('user', (query) => query.where('username', username))
}

test.group('Memberships are checked when a launch needs them', (group) => {
  isolateEachTest(group)
  group.each.teardown(() => EnvironmentProvisioner.settle())

  test('someone removed from a proposal cannot launch on it once their memberships are old', async ({
    client,
    assert,
  }) => {
    const { browser, experiments, image } = await scientist(client, 'rita')
    const removed = experiments.find((entry) => entry.proposalId === 'rita-0001')!
    testUserOffice.setExperiments('rita', makeExperiments(2, { prefix: 'rita-' }).slice(1))
    await ageMemberships('rita')
    const asked = testUserOffice.requestsTo('experiments')

    const refused = await browser.post('/api/v1/environments', {
      imageId: image.id,
      experimentId: removed.id,
    })

    refused.assertStatus(404)
    assert.equal(testUserOffice.requestsTo('experiments'), asked + 1)
    assert.lengthOf(await environmentsOf('rita'), 0)
    ;(await browser.get(`/api/v1/experiments/${removed.id}`)).assertStatus(404)
  })

  test('fresh memberships are used as they are, without asking the User Office', async ({
    client,
    assert,
  }) => {
    const { browser, experiments, image } = await scientist(client, 'sam')
    const asked = testUserOffice.requestsTo('experiments')

    const created = await browser.post('/api/v1/environments', {
      imageId: image.id,
      experimentId: experiments[0].id,
    })

    created.assertStatus(202)
    assert.equal(testUserOffice.requestsTo('experiments'), asked)
    await settleAndRemove(browser, created.body().data.id)
  })

  test('old memberships and a User Office that does not answer mean 503, never a launch', async ({
    client,
    assert,
  }) => {
    const { browser, experiments, image } = await scientist(client, 'tia')
    await ageMemberships('tia')
    testUserOffice.setFault({ kind: 'status', status: 503 }, 'experiments')

    const refused = await browser.post('/api/v1/environments', {
      imageId: image.id,
      experimentId: experiments[0].id,
    })

    refused.assertStatus(503)
    assert.equal(refused.body().errors[0].code, 'E_USER_OFFICE_UNAVAILABLE')
    assert.lengthOf(await environmentsOf('tia'), 0)
  })

  test('a user the User Office no longer knows (404) has no experiments left', async ({
    client,
    assert,
  }) => {
    const { browser, experiments, image } = await scientist(client, 'uma')
    testUserOffice.reset()
    testUserOffice.addAccount({ username: 'uma', password: PASSWORD })
    await ageMemberships('uma')

    const refused = await browser.post('/api/v1/environments', {
      imageId: image.id,
      experimentId: experiments[0].id,
    })

    refused.assertStatus(404)
    assert.lengthOf((await browser.get('/api/v1/experiments')).body().data, 0)
  })

  test('starting a stopped environment checks membership and the image again', async ({
    client,
    assert,
  }) => {
    const { browser, experiments, image } = await scientist(client, 'vic')
    const leaving = experiments.find((entry) => entry.proposalId === 'vic-0001')!
    const created = await browser.post('/api/v1/environments', {
      imageId: image.id,
      experimentId: leaving.id,
    })
    created.assertStatus(202)
    const id = created.body().data.id
    await waitForState(browser, id, ['running', 'failed'])
    ;(await browser.post(`/api/v1/environments/${id}/stop`)).assertStatus(202)
    await waitForState(browser, id, ['stopped'])

    // The image is withdrawn from the catalogue: no new start.
    await Image.query().where('id', image.id).update({ enabled: false })
    const withdrawn = await browser.post(`/api/v1/environments/${id}/start`)
    withdrawn.assertStatus(403)
    assert.equal(withdrawn.body().errors[0].code, 'E_LAUNCH_NOT_ALLOWED')
    await Image.query().where('id', image.id).update({ enabled: true })

    // The scientist leaves the proposal in the User Office.
    testUserOffice.setExperiments('vic', makeExperiments(2, { prefix: 'vic-' }).slice(1))
    await ageMemberships('vic')
    const removed = await browser.post(`/api/v1/environments/${id}/start`)
    removed.assertStatus(403)
    assert.equal(removed.body().errors[0].code, 'E_LAUNCH_NOT_ALLOWED')
    assert.equal((await browser.get(`/api/v1/environments/${id}`)).body().data.state, 'stopped')

    ;(await browser.delete(`/api/v1/environments/${id}`)).assertStatus(202)
    await waitForState(browser, id, ['removed'])
  })
})
