import { test } from '@japa/runner'
import { signIn } from '#tests/helpers/sign_in'
import { isolateEachTest } from '#tests/helpers/isolation'
import { ExperimentFactory } from '#database/factories/experiment_factory'
import db from '@adonisjs/lucid/services/db'
import Experiment from '#models/experiment'
import { experimentTotal } from '#models/experiment_count'

const BASE = '/api/v1/admin/experiments'

/*
 * The admins' list finds a page's ids first and reads only those rows, walks
 * a page in the far half of the list from the oldest end, and reads its total
 * from the counts the database keeps (ADR 10): pages must still be newest
 * first, whole and disjoint, with the same totals, filtered or not.
 */
test.group('Admin: pages of the experiments list', (group) => {
  isolateEachTest(group)

  test('pages are newest first, disjoint and complete, filtered or not', async ({
    client,
    assert,
  }) => {
    const { browser } = await signIn(client)
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

  test('every page size walks the same newest-first list, from either end', async ({
    client,
    assert,
  }) => {
    const { browser } = await signIn(client)
    const sources = ['local', 'useroffice', 'useroffice', 'local', 'local', 'useroffice', 'local']
    for (const source of sources) {
      await ExperimentFactory.merge({ source: source as 'local' | 'useroffice' }).create()
    }
    for (const filter of ['', '&source=local', '&source=useroffice']) {
      const whole = (await browser.get(`${BASE}?perPage=100${filter}`)).body()
      const expected = whole.data.map((item: { id: number }) => item.id)
      for (const perPage of [1, 2, 3, 4, 6]) {
        const walked = []
        const lastPage = Math.max(1, Math.ceil(expected.length / perPage))
        for (let page = 1; page <= lastPage + 1; page++) {
          const response = await browser.get(`${BASE}?perPage=${perPage}&page=${page}${filter}`)
          assert.include(response.body().meta, { total: expected.length, lastPage })
          walked.push(...response.body().data.map((item: { id: number }) => item.id))
        }
        assert.deepEqual(walked, expected, `perPage ${perPage}${filter}`)
      }
    }
  })

  test('the kept totals follow every insert, removal and change of source, and no rolled-back insert', async ({
    client,
    assert,
  }) => {
    const { browser } = await signIn(client)
    const counted = async () => {
      const rows: { source: string; total: number | string }[] = await db
        .from('experiments')
        .select('source')
        .count('* as total')
        .groupBy('source')
      const of = (source: string) => Number(rows.find((row) => row.source === source)?.total ?? 0)
      return {
        all: of('local') + of('useroffice'),
        local: of('local'),
        useroffice: of('useroffice'),
      }
    }
    const assertKept = async (step: string) => {
      const expected = await counted()
      assert.deepEqual(
        {
          all: await experimentTotal(),
          local: await experimentTotal('local'),
          useroffice: await experimentTotal('useroffice'),
        },
        expected,
        step
      )
      const listed = await browser.get(`${BASE}?perPage=1`)
      assert.equal(listed.body().meta.total, expected.all, step)
    }

    await assertKept('at the start')
    const created = await browser.post(BASE, { proposalId: 'KEPT-1', title: 'Kept' })
    created.assertStatus(201)
    await ExperimentFactory.merge({ source: 'useroffice' }).createMany(2)
    await assertKept('after inserts through the API and the model')
    // The User Office sync writes through the query builder, many rows at once.
    await db.table('experiments').multiInsert(
      ['KEPT-2', 'KEPT-3'].map((proposalId) => ({
        proposal_id: proposalId,
        title: 'Synced',
        source: 'useroffice',
        created_at: new Date(),
        updated_at: new Date(),
      }))
    )
    await assertKept('after a multi-row insert')
    await db
      .from('experiments')
      .where('id', created.body().data.id)
      .update({ source: 'useroffice', title: 'Taken over' })
    await db.from('experiments').where('proposal_id', 'KEPT-2').update({ title: 'Renamed' })
    await assertKept('after a change of source and a rename')
    ;(await browser.delete(`${BASE}/${(await ExperimentFactory.create()).id}`)).assertStatus(204)
    await Experiment.query().where('proposal_id', 'KEPT-3').delete()
    await assertKept('after removals')
    await assert.rejects(() =>
      db.transaction(async (trx) => {
        await ExperimentFactory.client(trx).create()
        throw new Error('rolled back')
      })
    )
    await assertKept('after a rolled-back insert')
  })
})
