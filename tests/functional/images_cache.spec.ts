import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import AuditService from '#services/audit_service'
import ImageCatalogService from '#services/images/image_catalog_service'
import { ImageFactory } from '#database/factories/image_factory'
import { isolateEachTest } from '#tests/helpers/isolation'
import { signIn } from '#tests/helpers/sign_in'
import { statementsDuring } from '#tests/helpers/statements'
import { ADMIN_IMAGES_PATH, createImage } from '#tests/helpers/image_catalogue'

const USER_BASE = '/api/v1/images'

/** The catalogue service as production runs it: enabled images kept in memory for a minute. */
async function useCachingCatalogue() {
  const audit = await app.container.make(AuditService)
  const caching = new ImageCatalogService(audit, 60_000)
  app.container.swap(ImageCatalogService, () => caching)
}

test.group('Images: the scientists catalogue served from memory', (group) => {
  isolateEachTest(group)
  group.each.teardown(() => app.container.restore(ImageCatalogService))

  test('answers byte for byte as the database does: roles, pages, past the end, search', async ({
    client,
    assert,
  }) => {
    const { browser: admin } = await signIn(client)
    const { browser: scientist } = await signIn(client, [])
    await createImage(admin, { name: 'Everyone', description: 'For all' })
    await createImage(admin, { name: 'admins only', allowedRoles: ['admin'] })
    await createImage(admin, { name: 'Switched off', enabled: false })
    await createImage(admin, { name: 'Both roles', allowedRoles: ['admin', 'scientist'] })
    await createImage(admin, { name: 'zeta', lifetimeHours: 3, idleLimitMinutes: 30 })
    const queries = ['', '?perPage=1&page=2', '?perPage=2&page=2', '?page=9', '?search=for']
    const answers = async () => {
      const texts: string[] = []
      for (const session of [scientist, admin]) {
        for (const query of queries) {
          const response = await session.get(`${USER_BASE}${query}`)
          response.assertStatus(200)
          texts.push(`${response.header('content-type')}\n${response.text()}`)
        }
      }
      return texts
    }

    const fromDatabase = await answers()
    await useCachingCatalogue()
    const fromMemory = await answers()
    // The second time, each held page's JSON as written the first time (json_written_once.ts).
    const writtenOnce = await answers()

    assert.deepEqual(fromMemory, fromDatabase)
    assert.deepEqual(writtenOnce, fromDatabase)
    assert.isTrue(fromDatabase[0].startsWith('application/json; charset=utf-8\n'))
    assert.include(fromMemory[0], 'Both roles')
    assert.notInclude(fromMemory[0], 'admins only')
  })

  test("shows an admin's edit at once, and reads the database no more while fresh", async ({
    client,
    assert,
  }) => {
    await useCachingCatalogue()
    const { browser: admin } = await signIn(client)
    const { browser: scientist } = await signIn(client, [])
    const image = await createImage(admin, { name: 'Before' })
    const names = async () =>
      (await scientist.get(USER_BASE)).body().data.map((entry: { name: string }) => entry.name)

    assert.deepEqual(await names(), ['Before'])
    // Written behind the service's back (as another replica would): not seen while fresh.
    await ImageFactory.merge({ name: 'Behind its back' }).create()
    assert.deepEqual(await names(), ['Before'])
    const signedIn = await statementsDuring(() => scientist.get('/api/v1/me'))
    const listed = await statementsDuring(() => scientist.get(USER_BASE))
    assert.equal(listed.length, signedIn.length)

    ;(await admin.patch(`${ADMIN_IMAGES_PATH}/${image.id}`, { name: 'After' })).assertStatus(200)
    assert.deepEqual(await names(), ['After', 'Behind its back'])

    ;(await admin.patch(`${ADMIN_IMAGES_PATH}/${image.id}`, { enabled: false })).assertStatus(200)
    assert.deepEqual(await names(), ['Behind its back'])

    const added = await createImage(admin, { name: 'Added' })
    assert.deepEqual(await names(), ['Added', 'Behind its back'])
    ;(await admin.delete(`${ADMIN_IMAGES_PATH}/${added.id}`)).assertStatus(204)
    assert.deepEqual(await names(), ['Behind its back'])
  })
})
