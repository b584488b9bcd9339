import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import testUtils from '@adonisjs/core/services/test_utils'
import { PreparedSelect } from '#models/prepared_select'
import { createUser } from '#database/factories/user_factory'
import { statementsDuring } from '#tests/helpers/statements'

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
