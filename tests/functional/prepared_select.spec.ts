import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import testUtils from '@adonisjs/core/services/test_utils'
import { PreparedSelect } from '#models/prepared_select'
import { createUser } from '#database/factories/user_factory'
import { statementsDuring } from '#tests/helpers/statements'
import { createExperiment } from '#database/factories/experiment_factory'
import { createHttpImage, recordEnvironment } from '#tests/helpers/environments'
import EnvironmentShare from '#models/environment_share'
import { listedExperiments } from '#models/listed_experiment'
import { heldEnvironments } from '#models/held_environments'
import { rowsOf } from '#models/raw_rows'
import { KEPT_PREPARED_STATEMENTS } from '#models/mysql_prepared_statements'

/** Users by id, and migrations applied after a batch: the shapes of these tests. */
const select = new PreparedSelect<'user' | 'migrations'>((shape, slot) =>
  shape === 'user'
    ? db.from('users').where('id', slot('id')).select('id', 'username')
    : db.from('adonis_schema').where('batch', '>', slot('batch')).count('* as total')
)

test.group('Prepared selects on the driver', () => {
  test('read from the pool outside any transaction, as the query builder reads', async ({
    assert,
  }) => {
    const [prepared] = await select.rows('migrations', { batch: 0 })
    const [built] = await db.from('adonis_schema').where('batch', '>', 0).count('* as total')
    assert.isAbove(Number(prepared.total), 0)
    assert.equal(Number(prepared.total), Number(built.total))
  })

  test('a failing statement says which SQL failed', async ({ assert }) => {
    const broken = new PreparedSelect<'broken'>((_shape, slot) =>
      db.from('no_such_table').where('id', slot('id'))
    )
    await assert.rejects(async () => broken.rows('broken', { id: 1 }), /no_such_table/)
  })
})

test.group('Prepared selects in a transaction', (group) => {
  group.each.setup(() => testUtils.db().wrapInGlobalTransaction())

  test("read the transaction's own rows and count as statements", async ({ assert }) => {
    const user = await createUser()
    const statements = await statementsDuring(async () => {
      const rows = await select.rows('user', { id: user.id })
      assert.deepEqual(
        rows.map((row) => ({ ...row })),
        [{ id: user.id, username: user.username }]
      )
    })
    assert.lengthOf(statements, 1)
    assert.match(statements[0], /from [`"]users[`"]/)
  })
})

const onSqlite = () => db.connection().dialect.name.includes('sqlite')

/** The same SQL and values run as knex runs any raw query (on MySQL/MariaDB: text protocol). */
async function readAsText(statement: { sql: string; bindings: unknown[] }) {
  return rowsOf(await db.rawQuery(statement.sql, statement.bindings as any)).map((row) => ({
    ...row,
  }))
}

/** A prepared select's rows next to the same statement's rows read as text. */
async function bothWays<Shape extends string>(
  statements: PreparedSelect<Shape>,
  shape: Shape,
  parameters: Record<string, string | number | boolean>
) {
  const prepared = (await statements.rows(shape, parameters)).map((row) => ({ ...row }))
  return { prepared, text: await readAsText(statements.statement(shape, parameters)) }
}

/** The session's count of one of MariaDB's statement counters (`Com_stmt_prepare`, …). */
async function sessionCounter(name: string) {
  const [row] = rowsOf(await db.rawQuery('SHOW SESSION STATUS LIKE ?', [name]))
  return Number(row.Value)
}

test.group('Prepared selects as server-side prepared statements', (group) => {
  group.each.setup(() => testUtils.db().wrapInGlobalTransaction())

  test("the experiment list's rows come back as the text protocol reads them: dates, NULLs, flags, counts", async ({
    assert,
  }) => {
    const me = await createUser()
    const synced = await createExperiment({ members: [me] })
    await createExperiment({ members: [me], fields: { abstract: null, instrument: null } })
    await db
      .from('experiment_members')
      .where({ experiment_id: synced.id, user_id: me.id })
      .update({ favorite: true })
    await db
      .from('experiments')
      .where('id', synced.id)
      .update({
        starts_at: new Date('2026-12-01T08:00:00.000Z'),
        last_synced_at: new Date('2026-12-06T05:00:01.000Z'),
      })

    const page = { userId: me.id, limit: 21, offset: 0 }
    const all = await bothWays(listedExperiments, '-startDate|||page', page)
    assert.lengthOf(all.prepared, 2)
    assert.deepEqual(all.prepared, all.text)
    const syncedRow = all.prepared.find((row) => row.id === synced.id)!
    if (!onSqlite()) {
      assert.instanceOf(syncedRow.last_synced_at, Date)
    }
    assert.isNotNull(syncedRow.starts_at)
    assert.includeMembers(
      all.prepared.map((row) => row.abstract),
      [null]
    )

    const favorites = await bothWays(listedExperiments, 'title||f|page', {
      ...page,
      favorite: true,
    })
    assert.deepEqual(favorites.prepared, favorites.text)
    assert.deepEqual(
      favorites.prepared.map((row) => row.id),
      [synced.id]
    )

    const counted = await bothWays(listedExperiments, '-startDate|s||count', {
      userId: me.id,
      pattern: '%',
    })
    assert.deepEqual(counted.prepared, counted.text)
    assert.equal(Number(counted.prepared[0].total), 2)
  })

  test("the environment list's rows come back as the text protocol reads them: BIGINT sizes, joined names, NULLs", async ({
    assert,
  }) => {
    const me = await createUser()
    const colleague = await createUser()
    const experiment = await createExperiment({ members: [me, colleague] })
    const image = await createHttpImage()
    await recordEnvironment({
      userId: me.id,
      imageId: image.id,
      // Above 2^32: a BIGINT the binary protocol sends as 8 bytes.
      memoryBytes: 6 * 1024 ** 3,
      storageBytes: 3 * 1024 ** 4,
    })
    const theirs = await recordEnvironment({
      userId: colleague.id,
      imageId: image.id,
      experimentId: experiment.id,
    })
    await EnvironmentShare.create({ environmentId: theirs.id, userId: me.id, role: 'guest' })

    const page = await bothWays(heldEnvironments, 'both||page', {
      userId: me.id,
      limit: 21,
      offset: 0,
    })
    assert.lengthOf(page.prepared, 2)
    assert.deepEqual(page.prepared, page.text)
    assert.sameMembers(
      page.prepared.map((row) => Number(row.memory_bytes)),
      [6 * 1024 ** 3, 64 * 1024 ** 2]
    )
    assert.sameMembers(
      page.prepared.map((row) => row.my_share_role),
      ['guest', null]
    )

    const counted = await bothWays(heldEnvironments, 'both|state|count', {
      userId: me.id,
      state: 'running',
    })
    assert.deepEqual(counted.prepared, counted.text)
  })

  test('on MySQL/MariaDB a statement is prepared once on its connection, then only executed', async ({
    assert,
  }) => {
    if (onSqlite()) {
      return
    }
    const user = await createUser()
    // A shape no other test runs: its SQL is new to this connection.
    const fresh = new PreparedSelect<'fresh'>((_shape, slot) =>
      db.from('users').where('id', slot('id')).select('id', 'username as prepared_once')
    )
    const prepares = await sessionCounter('Com_stmt_prepare')
    const executes = await sessionCounter('Com_stmt_execute')
    for (let run = 0; run < 3; run++) {
      const rows = await fresh.rows('fresh', { id: user.id })
      assert.deepEqual(
        rows.map((row) => ({ ...row })),
        [{ id: user.id, prepared_once: user.username }]
      )
    }
    assert.equal((await sessionCounter('Com_stmt_prepare')) - prepares, 1)
    assert.equal((await sessionCounter('Com_stmt_execute')) - executes, 3)
  })

  test('on MySQL/MariaDB a connection keeps a bounded number of prepared statements', async ({
    assert,
  }) => {
    if (onSqlite()) {
      return
    }
    const config = db.connection().getReadClient().client.config.connection as {
      maxPreparedStatements?: number
    }
    assert.equal(config.maxPreparedStatements, KEPT_PREPARED_STATEMENTS)
  })
})
