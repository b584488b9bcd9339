import { randomBytes } from 'node:crypto'
import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import User from '#models/user'
import { createUser } from '#database/factories/user_factory'
import { ExperimentFactory } from '#database/factories/experiment_factory'
import { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'
import { statementsDuring } from '#tests/helpers/statements'
import { testUserOffice } from '#tests/helpers/test_user_office'
import { makeExperiments } from '#tests/helpers/user_office_server'
import { EXPERIMENT_WORD_LENGTH } from '#models/experiment_search'

const BASE = '/api/v1/admin/experiments'

/*
 * The admins' search reads `experiment_words` on MySQL/MariaDB (migration
 * 0110, ADR 11) and the FTS5 table on SQLite (migration 0080, ADR 9). The
 * triggers that keep both write within the writing transaction, so these
 * tests see their rows in the usual per-test transaction. Every title
 * carries a word of its own run, so that nothing else in the database can
 * match.
 */
test.group('Admin: experiment search', (group) => {
  isolateEachTest(group)
  let token: string
  let tag: string

  group.each.setup(async () => {
    tag = `tag${randomBytes(4).toString('hex')}`
    const admin = await createUser({ roles: ['admin'] })
    token = (await User.accessTokens.create(admin, ['*'], { name: 'search' })).value!.release()
  })

  async function experiment(
    proposalId: string,
    title: string,
    instrument: string | null,
    source: 'local' | 'useroffice' = 'local'
  ) {
    return ExperimentFactory.merge({
      proposalId: `${proposalId}-${tag}`,
      title: `${title} ${tag}`,
      instrument,
      source,
    }).create()
  }

  async function search(client: Parameters<typeof ApiSession.withToken>[0], query: string) {
    const response = await ApiSession.withToken(client, token).get(
      `${BASE}?search=${encodeURIComponent(`${tag} ${query}`)}`
    )
    response.assertStatus(200)
    return response
  }

  test('finds rows where every word begins a word of the proposal id, title or instrument', async ({
    client,
    assert,
  }) => {
    const alpha = await experiment('LOC-A', 'Perovskite thin films', 'B24')
    const beta = await experiment('LOC-B', 'Beta 100% über Operando', null)
    const gamma = await experiment('UO-C', 'The battery of tomorrow', 'P02.1', 'useroffice')
    const proposals = async (query: string) =>
      (await search(client, query))
        .body()
        .data.map((item: { id: number }) => item.id)
        .sort((a: number, b: number) => a - b)

    assert.deepEqual(await proposals('perov'), [alpha.id])
    assert.deepEqual(await proposals('PEROVSKITE FILMS'), [alpha.id])
    assert.deepEqual(await proposals('b24'), [alpha.id])
    // Word starts only: "ovskite" is inside a word.
    assert.deepEqual(await proposals('ovskite'), [])
    // Every word must match (AND), in any field.
    assert.deepEqual(await proposals('perovskite battery'), [])
    assert.deepEqual(await proposals('loc'), [alpha.id, beta.id])
    // Case and accents are ignored; stop words ("the") are indexed.
    assert.deepEqual(await proposals('uber'), [beta.id])
    assert.deepEqual(await proposals('the battery'), [gamma.id])
    assert.deepEqual(await proposals('p02'), [gamma.id])
    // Short words work as prefixes of longer ones, and short record words are found (ADR 11).
    assert.deepEqual(await proposals('b'), [alpha.id, beta.id, gamma.id])
    assert.deepEqual(await proposals('a'), [alpha.id])
    // Punctuation separates words: "%" is no wildcard, "-" and "+" are no operators.
    assert.deepEqual(await proposals('100%'), [beta.id])
    assert.deepEqual(await proposals('-perovskite'), [alpha.id])
    assert.deepEqual(await proposals('"loc" +b24*'), [alpha.id])

    const onlyPunctuation = await ApiSession.withToken(client, token).get(
      `${BASE}?search=${encodeURIComponent('%%')}`
    )
    onlyPunctuation.assertStatus(200)
    assert.lengthOf(onlyPunctuation.body().data, 0)
    assert.equal(onlyPunctuation.body().meta.total, 0)
  })

  test('counts, pages and filters the matches like the whole list', async ({ client, assert }) => {
    const rows = []
    for (const [index, source] of (['local', 'useroffice', 'local', 'local'] as const).entries()) {
      rows.push(await experiment(`PAGE-${index}`, 'Diffraction of salts', null, source))
    }
    await experiment('OTHER', 'Tomography of shells', null)
    const newestFirst = rows.map((row) => row.id).sort((a, b) => b - a)
    const session = ApiSession.withToken(client, token)
    const query = `search=${encodeURIComponent(`${tag} salts`)}`

    const second = await session.get(`${BASE}?${query}&perPage=1&page=2`)
    assert.deepEqual(
      second.body().data.map((item: { id: number }) => item.id),
      [newestFirst[1]]
    )
    assert.include(second.body().meta, { total: 4, perPage: 1, currentPage: 2, lastPage: 4 })
    // Every page of the search, and one past the last (no row there carries the count).
    const expected: Array<[number, number[]]> = [
      [1, newestFirst.slice(0, 3)],
      [2, newestFirst.slice(3)],
      [3, []],
    ]
    for (const [page, ids] of expected) {
      const response = await session.get(`${BASE}?${query}&perPage=3&page=${page}`)
      assert.deepEqual(
        response.body().data.map((item: { id: number }) => item.id),
        ids,
        `page ${page}`
      )
      assert.include(response.body().meta, { total: 4, lastPage: 2 })
    }

    const local = await session.get(`${BASE}?${query}&source=local`)
    assert.equal(local.body().meta.total, 3)

    // The cursor walks the same matches.
    const walked: number[] = []
    let cursor: string | null = null
    do {
      const suffix: string = cursor ? `&cursor=${cursor}` : ''
      const page = await session.get(`${BASE}?${query}&perPage=3${suffix}`)
      page.assertStatus(200)
      walked.push(...page.body().data.map((item: { id: number }) => item.id))
      cursor = page.body().meta.nextCursor
    } while (cursor)
    assert.deepEqual(walked, newestFirst)
  })

  test('several words: the rarest leads whichever is longest, and totals and pages stay exact', async ({
    client,
    assert,
  }) => {
    // Words of this test alone: a long one in every experiment, two short rarer ones (one
    // prefix starts both), so that the longest word is never the rarest.
    const common = `${tag}everywhere`
    const rare = `q${tag.slice(3)}`
    const [rareA, rareB] = [`${rare}a`, `${rare}b`]
    const withA = [1, 4, 5, 9]
    const withB = [2, 9, 10]
    const ids: number[] = []
    for (let index = 0; index < 12; index++) {
      const words = [
        common,
        ...(withA.includes(index) ? [rareA] : []),
        ...(withB.includes(index) ? [rareB] : []),
      ]
      const source = index === 4 ? 'useroffice' : 'local'
      ids.push((await experiment(`RARE-${index}`, words.join(' '), null, source)).id)
    }
    const newestFirst = (indexes: number[]) => indexes.map((index) => ids[index]).reverse()
    const session = ApiSession.withToken(client, token)
    const pageStatements: Array<{ sql: string; bindings: unknown[] }> = []
    const listener = (query: { sql: string; bindings?: unknown[] }) => {
      if (query.sql.includes('page_ids'))
        pageStatements.push({ sql: query.sql, bindings: query.bindings ?? [] })
    }
    const pages = async (words: string, perPage: number, filter = '') => {
      const found: number[] = []
      let total = -1
      for (let page = 1; ; page++) {
        const response = await session.get(
          `${BASE}?search=${encodeURIComponent(words)}&perPage=${perPage}&page=${page}${filter}`
        )
        response.assertStatus(200)
        total = response.body().meta.total
        found.push(...response.body().data.map((item: { id: number }) => item.id))
        if (page >= response.body().meta.lastPage) return { total, ids: found }
      }
    }

    const knex = db.connection().getWriteClient()
    knex.on('query', listener)
    try {
      const a = newestFirst(withA)
      assert.deepEqual(await pages(`${common} ${rareA}`, 3), { total: 4, ids: a })
      // Asked again: the remembered total, the same pages.
      assert.deepEqual(await pages(`${rareA} ${common}`, 3), { total: 4, ids: a })
      // One row a page: the first checks the other word per candidate, the deeper ones as the
      // optimiser likes (MySQL/MariaDB), all in the same order.
      assert.deepEqual(await pages(`${common} ${rareA}`, 1), { total: 4, ids: a })
      const either = newestFirst([1, 2, 4, 5, 9, 10])
      assert.deepEqual(await pages(`${common} ${rare}`, 4), { total: 6, ids: either })
      assert.deepEqual(await pages(`${rareA} ${rareB} ${common}`, 2), {
        total: 1,
        ids: [ids[9]],
      })
      assert.deepEqual(await pages(`${common} ${rareA}`, 2, '&source=local'), {
        total: 3,
        ids: newestFirst([1, 5, 9]),
      })
      assert.deepEqual(await pages(common, 5), { total: 12, ids: newestFirst([...ids.keys()]) })
    } finally {
      knex.off('query', listener)
    }
    if (!db.connection().dialect.name.includes('sqlite')) {
      // The pages of "<common> <rareA>" read the rare word by equality, in id order.
      assert.equal(pageStatements[0].bindings[0], rareA)
      const onePerPage = pageStatements.slice(4, 8)
      assert.deepEqual(
        onePerPage.map(({ sql }) => /IS TRUE/.test(sql)),
        [true, false, false, false]
      )
      // "<common>" holds one stored word: the first page checks it by equality.
      assert.include(onePerPage[0].sql, 'other_word.word = ?')
    }

    // By cursor: the same matches in the same order, read as the pages are, never counted.
    // More experiments with the common word alone, so that a cursor read of two rows checks
    // the other word per candidate and one of four as the optimiser likes (MySQL/MariaDB).
    for (let index = 12; index < 32; index++) {
      ids.push((await experiment(`RARE-${index}`, common, null)).id)
    }
    const byCursor = async (words: string, perPage: number, filter = '') => {
      const found: number[] = []
      let cursor: string | null = null
      do {
        const after: string = cursor ? `&cursor=${cursor}` : ''
        const response = await session.get(
          `${BASE}?search=${encodeURIComponent(words)}&perPage=${perPage}${filter}${after}`
        )
        response.assertStatus(200)
        if (cursor) assert.notProperty(response.body().meta, 'total')
        found.push(...response.body().data.map((item: { id: number }) => item.id))
        cursor = response.body().meta.nextCursor
      } while (cursor)
      return found
    }
    const cursorStatements: string[] = []
    const cursorListener = (query: { sql: string }) => {
      if (query.sql.includes('page_ids')) cursorStatements.push(query.sql)
    }
    knex.on('query', cursorListener)
    try {
      const a = newestFirst(withA)
      assert.deepEqual(await byCursor(`${common} ${rareA}`, 1), a)
      assert.deepEqual(await byCursor(`${common} ${rareA}`, 3), a)
      assert.deepEqual(await byCursor(`${common} ${rare}`, 4), newestFirst([1, 2, 4, 5, 9, 10]))
      assert.deepEqual(await byCursor(`${rareA} ${rareB} ${common}`, 2), [ids[9]])
      assert.deepEqual(
        await byCursor(`${common} ${rareA}`, 2, '&source=local'),
        newestFirst([1, 5, 9])
      )
      assert.deepEqual(await byCursor(common, 7), newestFirst([...ids.keys()]))
      assert.deepEqual(await byCursor(`${rareA} nothing${tag}`, 2), [])
    } finally {
      knex.off('query', cursorListener)
    }
    if (!db.connection().dialect.name.includes('sqlite')) {
      // perPage 1: a first page, then three reads of two rows after a cursor, each checking the
      // other word per candidate; perPage 3: a first page, then four rows after a cursor, as
      // the optimiser likes (past what the count found cheaper checked per candidate).
      assert.deepEqual(
        cursorStatements.slice(0, 6).map((sql) => [/IS TRUE/.test(sql), /offset/i.test(sql)]),
        [
          [true, true],
          [true, false],
          [true, false],
          [true, false],
          [true, true],
          [false, false],
        ]
      )
    }
  })

  test('follows renames and removals of experiments', async ({ client, assert }) => {
    const row = await experiment('REN', 'Crystallography', null)
    assert.lengthOf((await search(client, 'crystallography')).body().data, 1)

    row.title = `Spectroscopy ${tag}`
    await row.save()
    assert.lengthOf((await search(client, 'crystallography')).body().data, 0)
    assert.lengthOf((await search(client, 'spectroscopy')).body().data, 1)
    // The totals too (a one-word search on SQLite takes its total from the index's words).
    assert.equal((await search(client, 'crystallography')).body().meta.total, 0)
    assert.equal((await search(client, 'spectroscop')).body().meta.total, 1)

    await row.delete()
    assert.lengthOf((await search(client, 'spectroscopy')).body().data, 0)
    assert.equal((await search(client, 'spectroscopy')).body().meta.total, 0)
  })

  test('a word that starts one indexed word or several finds and counts the same', async ({
    client,
    assert,
  }) => {
    const one = await experiment('ONE', `Zeolites ${tag}x`, null)
    const two = await experiment('TWO', 'Zeolite', null)
    const three = await experiment('THREE', 'Zeolitic zeolites', null)
    const asFound = (response: { body(): any }) => ({
      ids: response.body().data.map((item: { id: number }) => item.id),
      total: response.body().meta.total,
    })
    const found = async (query: string) => asFound(await search(client, query))
    // Without the tag: one word alone (SQLite may take its total from the index's words).
    const alone = async (query: string) =>
      asFound(await ApiSession.withToken(client, token).get(`${BASE}?search=${query}`))

    const all = { ids: [three.id, two.id, one.id], total: 3 }
    // "zeolit" starts three indexed words, "zeolites" one, "zeolitic" one.
    assert.deepEqual(await found('zeolit'), all)
    assert.deepEqual(await found('zeolite'), all)
    assert.deepEqual(await found('zeolites'), { ids: [three.id, one.id], total: 2 })
    assert.deepEqual(await found('zeolitic'), { ids: [three.id], total: 1 })
    assert.deepEqual(await found('zeolitz'), { ids: [], total: 0 })
    assert.deepEqual(await found('zeolitic zeolite'), { ids: [three.id], total: 1 })
    // The tag starts two indexed words (itself and "…x"), "…x" one.
    assert.deepEqual(await alone(tag), all)
    assert.deepEqual(await alone(`${tag}x`), { ids: [one.id], total: 1 })
    assert.deepEqual(await alone(`${tag}y`), { ids: [], total: 0 })
  })

  test('finds a word longer than the words table keeps, and the table keeps the length a search is cut to', async ({
    client,
    assert,
  }) => {
    const long = `spectro${'x'.repeat(EXPERIMENT_WORD_LENGTH)}`
    const row = await experiment('LONG', `Beamline ${long}`, null)
    const found = async (query: string) =>
      (await search(client, query)).body().data.map((item: { id: number }) => item.id)

    assert.deepEqual(await found(long), [row.id])
    assert.deepEqual(await found(long.slice(0, EXPERIMENT_WORD_LENGTH)), [row.id])
    if (db.connection().dialect.name.includes('sqlite')) {
      return // FTS5 keeps whole words (migration 0080)
    }
    // Migration 0110 writes the length out: its column and its triggers' cut agree with the app.
    const [columns] = await db.rawQuery(
      `SELECT CHARACTER_MAXIMUM_LENGTH AS length FROM information_schema.columns ` +
        `WHERE table_schema = DATABASE() AND table_name = 'experiment_words' AND column_name = 'word'`
    )
    assert.equal(Number(columns[0].length), EXPERIMENT_WORD_LENGTH)
    const [stored] = await db
      .from('experiment_words')
      .where('experiment_id', row.id)
      .max(db.raw('CHAR_LENGTH(word)'), 'longest')
    assert.equal(Number(stored.longest), EXPERIMENT_WORD_LENGTH)
  })

  test('follows the rows the User Office sync writes with the query builder', async ({
    client,
    assert,
  }) => {
    // As ExperimentSyncService: a multi-row insert, then updates by id, no model hooks.
    const now = new Date()
    await db.table('experiments').multiInsert(
      ['SYNC-1', 'SYNC-2'].map((proposal) => ({
        proposal_id: `${proposal}-${tag}`,
        title: `Magnetometry ${tag}`,
        instrument: 'Balder',
        source: 'useroffice',
        created_at: now,
        updated_at: now,
      }))
    )
    const found = async (query: string) =>
      (await search(client, query))
        .body()
        .data.map((item: { proposalId: string }) => item.proposalId)
        .sort()
    assert.deepEqual(await found('magnetometry balder'), [`SYNC-1-${tag}`, `SYNC-2-${tag}`])

    await db
      .from('experiments')
      .where('proposal_id', `SYNC-1-${tag}`)
      .update({ title: `Reflectometry ${tag}`, instrument: null, updated_at: now })
    // Updates that leave the searched columns alone keep the words.
    await db
      .from('experiments')
      .where('proposal_id', `SYNC-2-${tag}`)
      .update({ last_synced_at: now })
    assert.deepEqual(await found('magnetometry'), [`SYNC-2-${tag}`])
    assert.deepEqual(await found('reflectometry'), [`SYNC-1-${tag}`])
    assert.deepEqual(await found('balder'), [`SYNC-2-${tag}`])
    assert.deepEqual(await found('sync'), [`SYNC-1-${tag}`, `SYNC-2-${tag}`])
  })

  /*
   * MySQL/MariaDB remember a search's total with the versions of the words it was counted
   * under (migration 0114, ADR 12); SQLite counts from its FTS5 vocabulary. Each total is
   * asked twice, so that the second answer on MySQL/MariaDB is the remembered one.
   */
  test('keeps totals exact through every writer: the admin API, the User Office sync, the query builder and removals', async ({
    client,
    assert,
  }) => {
    const admin = ApiSession.withToken(client, token)
    const total = async (query: string, source?: string) => {
      const filter = source ? `&source=${source}` : ''
      const response = await admin.get(`${BASE}?search=${encodeURIComponent(query)}${filter}`)
      response.assertStatus(200)
      return response.body().meta.total
    }
    // All, local, User Office, two words, a prefix that starts two indexed words.
    const once = async () => [
      await total(tag),
      await total(tag, 'local'),
      await total(tag, 'useroffice'),
      await total(`${tag} ellipsometry`),
      await total(tag.slice(0, -1)),
    ]
    const totals = async () => {
      const counted = await once()
      assert.deepEqual(await once(), counted, 'asked again')
      return counted
    }

    assert.deepEqual(await totals(), [0, 0, 0, 0, 0])
    const created = await admin.post(BASE, {
      proposalId: `ADM-${randomBytes(4).toString('hex')}`,
      title: `Ellipsometry ${tag} ${tag}x`,
    })
    created.assertStatus(201)
    const local = created.body().data.id
    assert.deepEqual(await totals(), [1, 1, 0, 1, 1])

    // The sync of a User Office user's sign-in writes two experiments.
    const username = `uo${tag}`
    testUserOffice.addAccount({ username, password: 'pw' })
    testUserOffice.setExperiments(
      username,
      makeExperiments(2, { prefix: `UO${tag}-` }).map((row) => ({
        ...row,
        subject: `Reflectometry ${tag}`,
      }))
    )
    ;(await new ApiSession(client).login(username, 'pw')).assertStatus(200)
    assert.deepEqual(await totals(), [3, 1, 2, 1, 3])

    // A rename that takes the words away, and back.
    ;(await admin.patch(`${BASE}/${local}`, { title: 'Ellipsometry' })).assertStatus(200)
    assert.deepEqual(await totals(), [2, 0, 2, 0, 2])
    ;(await admin.patch(`${BASE}/${local}`, { title: `Ellipsometry ${tag}` })).assertStatus(200)
    assert.deepEqual(await totals(), [3, 1, 2, 1, 3])

    // The sync taking a local experiment over changes its source only (query builder).
    await db.from('experiments').where('id', local).update({ source: 'useroffice' })
    assert.deepEqual(await totals(), [3, 0, 3, 1, 3])

    // Removals: a raw delete, and a local experiment deleted through the admin API.
    await db.from('experiments').where('id', local).delete()
    assert.deepEqual(await totals(), [2, 0, 2, 0, 2])
    const another = await admin.post(BASE, {
      proposalId: `ADM-${randomBytes(4).toString('hex')}`,
      title: `Ellipsometry ${tag}`,
    })
    another.assertStatus(201)
    assert.deepEqual(await totals(), [3, 1, 2, 1, 3])
    ;(await admin.delete(`${BASE}/${another.body().data.id}`)).assertStatus(204)
    assert.deepEqual(await totals(), [2, 0, 2, 0, 2])
  })

  test('answers a search asked again unchanged without counting its matches again', async ({
    client,
    assert,
  }) => {
    for (const index of [1, 2, 3]) {
      await experiment(`AGAIN-${index}`, 'Holography', null)
    }
    const session = ApiSession.withToken(client, token)
    const ask = async () => {
      let total = 0
      const statements = await statementsDuring(async () => {
        const response = await session.get(`${BASE}?search=${tag}%20holography`)
        response.assertStatus(200)
        total = response.body().meta.total
      })
      return { total, counted: statements.some((sql) => /count\(/i.test(sql)), statements }
    }

    assert.include(await ask(), { total: 3, counted: true })
    const again = await ask()
    assert.include(again, { total: 3, counted: false }, again.statements.join('\n'))
    assert.isTrue(again.statements.some((sql) => sql.includes('words_version')))

    await experiment('AGAIN-4', 'Holography', null)
    assert.include(await ask(), { total: 4, counted: true })
    assert.include(await ask(), { total: 4, counted: false })
  })
})
