import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import app from '@adonisjs/core/services/app'
import Environment from '#models/environment'
import HeldEnvironmentListing from '#services/environments/held_environment_listing'
import AdminEnvironmentListing from '#services/environments/admin_environment_listing'
import { adminEnvironmentValues } from '#transformers/admin_environment_transformer'
import { createUser } from '#database/factories/user_factory'
import { isolateEachTest } from '#tests/helpers/isolation'
import { signIn } from '#tests/helpers/sign_in'
import { createHttpImage, recordEnvironment } from '#tests/helpers/environments'

async function storedEnvironment(existingOwner?: Awaited<ReturnType<typeof createUser>>) {
  const owner = existingOwner ?? (await createUser())
  const image = await createHttpImage()
  const environment = await Environment.create({
    userId: owner.id,
    imageId: image.id,
    name: 'lean-list',
    driver: 'docker',
    state: 'stopped',
    secret: 'not-to-be-read-by-lists',
    cpuMillicores: 500,
    memoryBytes: 2 ** 30,
    storageBytes: 2 ** 30,
    gpus: 0,
    expiresAt: DateTime.utc().plus({ hours: 1 }),
  })
  return { owner, image, environment }
}

test.group('Environment lists read only what they send', (group) => {
  isolateEachTest(group)

  test("the admins' list loads owners without their password hash and no secrets", async ({
    assert,
  }) => {
    const { owner, image, environment } = await storedEnvironment()
    const listing = await app.container.make(AdminEnvironmentListing)

    const { rows } = await listing.list({ userId: owner.id })
    const [listed] = rows
    assert.equal(listed.id, environment.id)
    assert.equal(listed.ownerUsername, owner.username)
    assert.notProperty(listed, 'password')
    assert.notProperty(listed, 'secret')
    assert.notProperty(listed, 'engineId')
    assert.deepEqual(listed.image, { name: image.name, protocol: image.protocol })
  })

  test("the admins' list answers each environment as the transformer shows its model", async ({
    client,
    assert,
  }) => {
    const admin = await signIn(client, ['admin'])
    const { owner, image } = await storedEnvironment()
    await recordEnvironment({
      userId: owner.id,
      imageId: image.id,
      state: 'running',
      endpointHost: '127.0.0.1',
      endpointPort: 32_768,
      memoryBytes: 3 * 2 ** 40,
      lastActivityAt: DateTime.utc().minus({ minutes: 5, milliseconds: 7 }),
    })
    await recordEnvironment({
      userId: owner.id,
      imageId: image.id,
      state: 'failed',
      failureReason: 'the engine said "no"',
    })
    const models = await Environment.query()
      .where('user_id', owner.id)
      .preload('image')
      .preload('user')
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')

    const response = await admin.browser.get(`/api/v1/admin/environments?userId=${owner.id}`)
    response.assertStatus(200)
    const expected = models.map((model) =>
      JSON.parse(JSON.stringify(adminEnvironmentValues(model, model.image, model.user.username)))
    )
    const listed = response.body().data
    assert.deepEqual(listed, expected)
    // The same fields in the same order, dates with their milliseconds and offset.
    assert.deepEqual(listed.map(Object.keys), expected.map(Object.keys))
    assert.match(listed[0].createdAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$/)
    assert.equal(response.header('content-type'), 'application/json; charset=utf-8')
  })

  test("the owner's list reads no secret either", async ({ assert }) => {
    const { owner, environment } = await storedEnvironment()
    const service = await app.container.make(HeldEnvironmentListing)

    const [listed] = (await service.list(owner, {})).rows
    assert.equal(listed.id, environment.id)
    assert.notProperty(listed, 'secret')
    assert.equal(listed.memoryBytes, 2 ** 30)
  })

  test('stateless read services are shared, not rebuilt per request', async ({ assert }) => {
    const { default: ExperimentCatalogService } =
      await import('#services/experiments/experiment_catalog_service')
    const { default: UserOfficeClient } = await import('#services/user_office/user_office_client')
    assert.strictEqual(
      await app.container.make(ExperimentCatalogService),
      await app.container.make(ExperimentCatalogService)
    )
    assert.strictEqual(
      await app.container.make(UserOfficeClient),
      await app.container.make(UserOfficeClient)
    )
  })

  test('pages tell the same totals whether or not they needed a count', async ({ assert }) => {
    const { owner } = await storedEnvironment()
    await storedEnvironment(owner)
    await storedEnvironment(owner)
    const service = await app.container.make(HeldEnvironmentListing)
    const pageOf = async (page: number, perPage: number) => {
      const { page: paginator, rows } = await service.list(owner, { page, perPage })
      return {
        ids: rows.length,
        meta: {
          total: paginator.total,
          lastPage: paginator.lastPage,
          currentPage: paginator.currentPage,
        },
      }
    }

    for (const [page, perPage, rows] of [
      [1, 2, 2], // a full page: counted
      [2, 2, 1], // the last page: total from the page
      [1, 5, 3], // everything on page 1: total from the page
      [3, 2, 0], // past the end: counted
    ]) {
      const { ids, meta } = await pageOf(page, perPage)
      assert.equal(ids, rows, `page ${page} of ${perPage}`)
      assert.equal(meta.total, 3, `page ${page} of ${perPage}`)
      assert.equal(meta.lastPage, Math.ceil(3 / perPage))
      assert.equal(meta.currentPage, page)
    }
  })
})
