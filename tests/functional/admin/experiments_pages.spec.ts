import { test } from '@japa/runner'
import { createUser, FACTORY_PASSWORD } from '#database/factories/user_factory'
import { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'
import { ExperimentFactory } from '#database/factories/experiment_factory'

const BASE = '/api/v1/admin/experiments'

/*
 * The admins' list finds a page's ids first and reads only those rows
 * (LocalExperimentService.list): pages must still be newest first, whole
 * and disjoint, with the same totals, filtered or not.
 */
test.group('Admin: pages of the experiments list', (group) => {
  isolateEachTest(group)

  test('pages are newest first, disjoint and complete, filtered or not', async ({
    client,
    assert,
  }) => {
    const admin = await createUser({ roles: ['admin'] })
    const browser = new ApiSession(client)
    ;(await browser.login(admin.username, FACTORY_PASSWORD)).assertStatus(200)
    const created = []
    for (const [index, source] of [
      'local',
      'useroffice',
      'local',
      'local',
      'useroffice',
    ].entries()) {
      created.push(
        await ExperimentFactory.merge({
          proposalId: `PAGE-${index}`,
          title: index % 2 ? 'Tomography of shells' : 'Diffraction of salts',
          source: source as 'local' | 'useroffice',
        }).create()
      )
    }
    const newestFirst = created.map((experiment) => experiment.id).sort((a, b) => b - a)

    const pages = []
    for (const page of [1, 2, 3]) {
      const response = await browser.get(`${BASE}?perPage=2&page=${page}`)
      response.assertStatus(200)
      assert.deepEqual(response.body().meta, {
        total: 5,
        perPage: 2,
        currentPage: page,
        lastPage: 3,
        nextCursor: page < 3 ? response.body().meta.nextCursor : null,
      })
      pages.push(...response.body().data.map((item: { id: number }) => item.id))
    }
    assert.deepEqual(pages, newestFirst)

    const beyond = await browser.get(`${BASE}?perPage=2&page=4`)
    assert.lengthOf(beyond.body().data, 0)
    assert.equal(beyond.body().meta.total, 5)

    const secondLocal = await browser.get(`${BASE}?source=local&perPage=2&page=2`)
    assert.deepEqual(
      secondLocal.body().data.map((item: { proposalId: string }) => item.proposalId),
      ['PAGE-0']
    )
    assert.equal(secondLocal.body().meta.total, 3)
  })
})
