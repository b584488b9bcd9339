import { test } from '@japa/runner'
import type { ApiClient } from '@japa/api-client'
import EnvironmentShare from '#models/environment_share'
import { createUser } from '#database/factories/user_factory'
import { createExperiment } from '#database/factories/experiment_factory'
import type { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'
import { withCredentialCache } from '#tests/helpers/credential_cache'
import { signIn } from '#tests/helpers/sign_in'
import { statementsDuring } from '#tests/helpers/statements'
import { createHttpImage, recordEnvironment } from '#tests/helpers/environments'

/** Statements of a list beyond what signing the request in costs (GET /api/v1/me). */
async function listStatements(browser: ApiSession, path: string) {
  const signedIn = await statementsDuring(async () =>
    (await browser.get('/api/v1/me')).assertStatus(200)
  )
  let body: any
  const listed = await statementsDuring(async () => {
    const response = await browser.get(path)
    response.assertStatus(200)
    body = response.body()
  })
  return { extra: listed.length - signedIn.length, body }
}

type EnvironmentState = 'running' | 'stopped' | 'removed'

/**
 * The caller, a colleague on one experiment (the caller a member too, unless
 * `callerLeft`) and an image; `sharedWithMe` records one of the colleague's
 * environments on that experiment and shares it with the caller.
 */
async function colleagueSharing(client: ApiClient, { callerLeft = false } = {}) {
  const me = await signIn(client, [])
  const colleague = await createUser()
  const experiment = await createExperiment({
    members: callerLeft ? [colleague] : [me.user, colleague],
  })
  const image = await createHttpImage()
  const sharedWithMe = async (role: 'guest' | 'user', state?: EnvironmentState) => {
    const environment = await recordEnvironment({
      userId: colleague.id,
      imageId: image.id,
      experimentId: experiment.id,
      ...(state && { state }),
    })
    await EnvironmentShare.create({ environmentId: environment.id, userId: me.user.id, role })
    return environment
  }
  return { me, colleague, image, sharedWithMe }
}

test.group('Lists: one statement for the page', (group) => {
  isolateEachTest(group)
  // Signing in is counted once per request: no credential read reused from the cache.
  withCredentialCache(group, 0)

  test("the environment list reads its page, images, owners' names and the caller's role in one statement", async ({
    client,
    assert,
  }) => {
    const { me, colleague, image, sharedWithMe } = await colleagueSharing(client)
    const mine = await recordEnvironment({ userId: me.user.id, imageId: image.id })
    const theirs = await sharedWithMe('guest')

    const { extra, body } = await listStatements(me.browser, '/api/v1/environments')
    assert.equal(extra, 1)
    assert.deepEqual(
      body.data.map((entry: any) => [entry.id, entry.role, entry.sharedBy, entry.imageName]),
      [
        [theirs.id, 'guest', colleague.username, image.name],
        [mine.id, 'owner', null, image.name],
      ]
    )
    assert.equal(body.meta.total, 2)
  })

  test('a shared environment whose experiment the caller left is not listed', async ({
    client,
    assert,
  }) => {
    const { me, sharedWithMe } = await colleagueSharing(client, { callerLeft: true })
    await sharedWithMe('user')

    const { body } = await listStatements(me.browser, '/api/v1/environments')
    assert.deepEqual(body.data, [])
  })

  test('the environment list filters own and shared rows alike: holding, state, removed ones, and a counted page', async ({
    client,
    assert,
  }) => {
    const { me, image, sharedWithMe } = await colleagueSharing(client)
    const own = (state: EnvironmentState) =>
      recordEnvironment({ userId: me.user.id, imageId: image.id, state })
    const shared = async (state: EnvironmentState) => (await sharedWithMe('user', state)).id
    const ownRunning = (await own('running')).id
    const sharedRunning = await shared('running')
    const ownStopped = (await own('stopped')).id
    const sharedStopped = await shared('stopped')
    const ownRemoved = (await own('removed')).id
    const sharedRemoved = await shared('removed')
    const ids = async (path: string) => {
      const response = await me.browser.get(path)
      response.assertStatus(200)
      return [response.body().data.map((entry: any) => entry.id), response.body().meta.total]
    }

    assert.deepEqual(await ids('/api/v1/environments'), [
      [sharedStopped, ownStopped, sharedRunning, ownRunning],
      4,
    ])
    assert.deepEqual(await ids('/api/v1/environments?state=running'), [
      [sharedRunning, ownRunning],
      2,
    ])
    assert.deepEqual(await ids('/api/v1/environments?state=removed'), [
      [sharedRemoved, ownRemoved],
      2,
    ])
    assert.deepEqual(await ids('/api/v1/environments?holding=shared'), [
      [sharedStopped, sharedRunning],
      2,
    ])
    assert.deepEqual(await ids('/api/v1/environments?holding=owner&state=stopped'), [
      [ownStopped],
      1,
    ])
    // A full page cannot tell the total: it is counted, the same rows.
    assert.deepEqual(await ids('/api/v1/environments?perPage=1&page=2'), [[ownStopped], 4])
    assert.deepEqual(await ids('/api/v1/environments?holding=shared&state=running&perPage=1'), [
      [sharedRunning],
      1,
    ])
  })

  test('the experiment list reads its page in one statement', async ({ client, assert }) => {
    const me = await signIn(client, [])
    await createExperiment({ members: [me.user] })
    await createExperiment({ members: [me.user] })
    await createExperiment()

    const { extra, body } = await listStatements(me.browser, '/api/v1/experiments')
    assert.equal(extra, 1)
    assert.lengthOf(body.data, 2)
    assert.equal(body.meta.total, 2)
  })

  test('the image list reads its page in one statement (the catalogue cache is off in tests)', async ({
    client,
    assert,
  }) => {
    const me = await signIn(client, [])
    await createHttpImage()

    const { extra, body } = await listStatements(me.browser, '/api/v1/images')
    assert.equal(extra, 1)
    assert.isAtLeast(body.data.length, 1)
  })

  test("the admins' environment list reads a numbered page (and its count when full), images and owners joined", async ({
    client,
    assert,
  }) => {
    const admin = await signIn(client, ['admin'])
    const owner = await createUser()
    const image = await createHttpImage()
    await recordEnvironment({ userId: owner.id, imageId: image.id })
    await recordEnvironment({ userId: owner.id, imageId: image.id })

    const { extra, body } = await listStatements(
      admin.browser,
      `/api/v1/admin/environments?userId=${owner.id}`
    )
    // The page only: a page shorter than perPage tells the total without a count.
    assert.equal(extra, 1)
    assert.deepEqual(
      body.data.map((entry: any) => entry.username),
      [owner.username, owner.username]
    )
    assert.equal(body.meta.total, 2)

    // A full page is counted: the page and its count.
    const counted = await listStatements(
      admin.browser,
      `/api/v1/admin/environments?userId=${owner.id}&perPage=1`
    )
    assert.equal(counted.extra, 2)
    assert.include(counted.body.meta, { total: 2, lastPage: 2 })
  })
})
