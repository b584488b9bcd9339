import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type Experiment from '#models/experiment'
import { ExperimentFactory } from '#database/factories/experiment_factory'
import { experimentTransaction, lockExperiment } from '#services/experiments/experiment_lock'
import ConflictException from '#exceptions/conflict_exception'

const onSqlite = () => db.connection().dialect.name.includes('sqlite')

/** A promise and the function that settles it: one writer tells the other where it stands. */
function signal() {
  let give!: () => void
  const given = new Promise<void>((resolve) => (give = resolve))
  return { give, given }
}

/**
 * How an admin's write of one experiment meets a concurrent writer
 * (experiment_lock.ts, ADR 12). These tests commit for real: two
 * transactions cannot share the per-test one. They remove what they wrote.
 */
test.group('Experiment transaction', (group) => {
  let experiments: Experiment[] = []

  group.each.setup(async () => {
    experiments = await ExperimentFactory.createMany(2)
    return async () => {
      await db
        .from('experiments')
        .whereIn(
          'id',
          experiments.map((experiment) => experiment.id)
        )
        .delete()
    }
  })

  const titleOf = async (experiment: Experiment) =>
    (await db.from('experiments').where('id', experiment.id).first()).title as string

  test('the victim of a real deadlock runs again and commits', async ({ assert }) => {
    const [first, second] = experiments
    let attempts = 0
    // The other writer holds the second experiment and has written it: the
    // larger transaction, so InnoDB picks the admin's write as the victim.
    const otherHolds = signal()
    const adminHolds = signal()
    const adminWrite = experimentTransaction(async (trx) => {
      attempts++
      await lockExperiment(trx, { id: first.id })
      if (attempts === 1) {
        adminHolds.give()
        await otherHolds.given
      }
      await lockExperiment(trx, { id: second.id })
      await trx.from('experiments').where('id', first.id).update({ title: 'admin' })
    })
    const otherWrite = async (trx: TransactionClientContract) => {
      await trx.from('experiments').where('id', second.id).update({ title: 'other' })
      otherHolds.give()
      await adminHolds.given
      await lockExperiment(trx, { id: first.id })
    }
    if (onSqlite()) {
      // SQLite runs one writer at a time (one connection): no deadlock to meet, both commit.
      adminHolds.give()
      otherHolds.give()
      await adminWrite
      await db.transaction(otherWrite)
    } else {
      await Promise.all([adminWrite, db.transaction(otherWrite)])
      assert.equal(attempts, 2, 'refused once as the deadlock victim, then committed')
    }
    assert.equal(await titleOf(first), 'admin')
    assert.equal(await titleOf(second), 'other')
  })

  test('refused every time, it is the 409 to retry and nothing of it stays', async ({ assert }) => {
    const [first] = experiments
    const before = await titleOf(first)
    let attempts = 0
    const refused = await experimentTransaction(async (trx) => {
      attempts++
      await trx
        .from('experiments')
        .where('id', first.id)
        .update({ title: `attempt ${attempts}` })
      // What mysql2 throws for a transaction InnoDB rolled back as a deadlock victim.
      throw Object.assign(new Error('Deadlock found when trying to get lock'), {
        code: 'ER_LOCK_DEADLOCK',
        errno: 1213,
      })
    }).catch((error: unknown) => error)

    assert.instanceOf(refused, ConflictException)
    assert.equal((refused as ConflictException).status, 409)
    assert.match((refused as Error).message, /please retry/)
    assert.equal(attempts, 6)
    assert.equal(await titleOf(first), before)
  })

  test('any other failure is not run again', async ({ assert }) => {
    let attempts = 0
    const failed = await experimentTransaction(async () => {
      attempts++
      throw new Error('not a conflict')
    }).catch((error: unknown) => error)
    assert.equal((failed as Error).message, 'not a conflict')
    assert.equal(attempts, 1)
  })
})
