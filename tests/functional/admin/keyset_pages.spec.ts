import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import { createUser } from '#database/factories/user_factory'
import { ExperimentFactory } from '#database/factories/experiment_factory'
import type { ApiSession } from '#tests/helpers/api_session'
import { signIn } from '#tests/helpers/sign_in'
import { isolateEachTest } from '#tests/helpers/isolation'
import { createHttpImage, recordEnvironment } from '#tests/helpers/environments'
import AdminExperimentListing from '#services/experiments/admin_experiment_listing'
import { encodeListCursor } from '#domain/list_cursor'
import { queryPlan } from '#tests/helpers/query_plan'

/** Follows `meta.nextCursor` from the first page to the last; the ids in order. */
async function walk(session: ApiSession, url: string) {
  const ids: number[] = []
  let cursor: string | null = null
  let pages = 0
  do {
    const response = await session.get(cursor ? `${url}&cursor=${cursor}` : url)
    response.assertStatus(200)
    ids.push(...response.body().data.map((item: { id: number }) => item.id))
    cursor = response.body().meta.nextCursor
    pages++
  } while (cursor && pages < 50)
  return { ids, pages }
}

/** The plan the database would run `query` with, as text. */
function plan(query: { toSQL(): { sql: string; bindings: readonly unknown[] } }) {
  return queryPlan(query.toSQL())
}

test.group('Admin lists: keyset paging', (group) => {
  isolateEachTest(group)

  test('a cursor walks the experiments newest first, whole and disjoint, without counting', async ({
    client,
    assert,
  }) => {
    const { browser: session } = await signIn(client)
    const created = await ExperimentFactory.createMany(5)
    const newestFirst = created.map((row) => row.id).sort((a, b) => b - a)

    const first = await session.get('/api/v1/admin/experiments?perPage=2')
    assert.include(first.body().meta, { total: 5, currentPage: 1, lastPage: 3 })
    const second = await session.get(
      `/api/v1/admin/experiments?perPage=2&cursor=${first.body().meta.nextCursor}`
    )
    // Asked by cursor: no total, no page numbers.
    assert.deepEqual(Object.keys(second.body().meta).sort(), ['nextCursor', 'perPage'])

    const { ids, pages } = await walk(session, '/api/v1/admin/experiments?perPage=2')
    assert.deepEqual(ids, newestFirst)
    assert.equal(pages, 3)
    // A page that ends exactly at the last row says so.
    const exact = await walk(session, '/api/v1/admin/experiments?perPage=5')
    assert.equal(exact.pages, 1)
  })

  test('a cursor walks the environments in every sort, ties broken by id', async ({
    client,
    assert,
  }) => {
    const { browser: session } = await signIn(client)
    const owner = await createUser()
    const image = await createHttpImage()
    const memories = [64, 128, 64, 256, 64, 128].map((mib) => mib * 1024 ** 2)
    const rows = []
    for (const memoryBytes of memories) {
      rows.push(await recordEnvironment({ userId: owner.id, imageId: image.id, memoryBytes }))
    }
    for (const sort of ['memoryBytes', '-memoryBytes', 'createdAt', '-createdAt']) {
      const url = `/api/v1/admin/environments?userId=${owner.id}&sort=${sort}`
      const whole = (await session.get(`${url}&perPage=100`)).body().data
      const { ids } = await walk(session, `${url}&perPage=2`)
      assert.deepEqual(
        ids,
        whole.map((item: { id: number }) => item.id),
        sort
      )
      assert.lengthOf(ids, rows.length)
    }

    const made = (
      await session.get(`/api/v1/admin/environments?userId=${owner.id}&perPage=2`)
    ).body().meta.nextCursor
    const otherSort = await session.get(
      `/api/v1/admin/environments?userId=${owner.id}&sort=memoryBytes&cursor=${made}`
    )
    otherSort.assertStatus(422)
    assert.equal(otherSort.body().errors[0].field, 'cursor')
  })

  test('refuses a cursor the portal did not make', async ({ client, assert }) => {
    const { browser: session } = await signIn(client)
    for (const cursor of ['nonsense', encodeListCursor({ after: 0 }), 'x'.repeat(201)]) {
      for (const list of ['experiments', 'environments']) {
        const response = await session.get(`/api/v1/admin/${list}?cursor=${cursor}`)
        response.assertStatus(422)
        assert.equal(response.body().errors[0].field, 'cursor')
      }
    }
  })

  test('the search and the cursor pages run on indexes (EXPLAIN)', async ({ assert }) => {
    const listing = await app.container.make(AdminExperimentListing)
    const searched = await plan(listing.idsQuery({ search: 'perovskite films' }).limit(21))
    const afterCursor = await plan(listing.idsQuery({ cursor: { after: 50_000 } }).limit(21))
    // A page in the far half of the list, walked from the oldest end (ADR 10).
    const fromOldest = await plan(listing.idsQuery({}, { oldestFirst: true }).limit(20).offset(0))
    if (db.connection().dialect.name.includes('sqlite')) {
      // FTS5 answers the MATCH; the rows are then read by rowid.
      assert.match(searched, /SCAN experiments_search VIRTUAL TABLE INDEX/)
      assert.match(afterCursor, /SEARCH experiments USING INTEGER PRIMARY KEY \(rowid<\?\)/)
      assert.match(fromOldest, /^SCAN experiments$/)
    } else {
      // The words' primary key from the longest word on, never the experiments' rows (ADR 11).
      assert.match(searched, /^matched range PRIMARY$/m)
      assert.match(searched, /^other_word \w+ (PRIMARY|experiment_words_experiment_word_index)$/m)
      assert.notMatch(searched, /^experiments /m)
      assert.match(afterCursor, /experiments (range|index) PRIMARY/)
      assert.match(fromOldest, /^experiments index PRIMARY$/)
    }
  })
})
