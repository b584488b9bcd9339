import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import Database from 'better-sqlite3'
import mysql from 'mysql2/promise'
import type User from '#models/user'
import type Experiment from '#models/experiment'
import { createUser, FACTORY_PASSWORD } from '#database/factories/user_factory'
import { createExperiment } from '#database/factories/experiment_factory'
import { toApiErrors } from '#exceptions/api_error'
import { ApiSession } from '#tests/helpers/api_session'

const onSqlite = () => db.connection().dialect.name.includes('sqlite')

/** How the portal connects to its database (config/database.ts). */
const connectionConfig = () => db.manager.get(db.primaryConnectionName)!.config.connection

/** A connection of its own to the test database, outside the portal's pool. */
function ownMysqlConnection() {
  const { host, port, user, password, database } = connectionConfig() as {
    host: string
    port: number
    user: string
    password: string
    database: string
  }
  return mysql.createConnection({ host, port, user, password, database })
}

/** Takes SQLite's one write lock from another handle; answers its release. */
function holdSqliteWriteLock() {
  const other = new Database((connectionConfig() as { filename: string }).filename)
  other.exec('BEGIN IMMEDIATE')
  return async () => {
    other.exec('ROLLBACK')
    other.close()
  }
}

/** Locks the user's membership rows from a connection outside the pool; answers their release. */
async function holdMysqlRowLock(user: User) {
  const holder = await ownMysqlConnection()
  await holder.beginTransaction()
  await holder.query('SELECT * FROM experiment_members WHERE user_id = ? FOR UPDATE', [user.id])
  return async () => {
    await holder.rollback()
    await holder.end()
  }
}

/** The error the database itself gives a statement, whatever it is. */
const failureOf = (statement: Promise<unknown>) =>
  statement.then(
    () => null,
    (error: unknown) => error
  )

/**
 * Writes that meet another writer's lock past the database's wait limit, or a
 * deadlock where no retry is built in: a 503 or 409 to send again, never a 500.
 * The errors are the real databases' own. These tests commit for real (the
 * other writer is outside the per-test transaction), so they remove what
 * they wrote.
 */
test.group('A database busy with another writer', (group) => {
  let user: User
  let experiment: Experiment

  group.each.setup(async () => {
    user = await createUser()
    experiment = await createExperiment({ members: [user] })
    return async () => {
      await db.from('experiments').where('id', experiment.id).delete()
      await db.from('users').where('id', user.id).delete()
    }
  })

  test('a lock held past the wait limit is a 503 E_DATABASE_BUSY with Retry-After, and nothing stays', async ({
    assert,
    client,
  }) => {
    const browser = new ApiSession(client)
    ;(await browser.login(user.username, FACTORY_PASSWORD)).assertStatus(200)
    // Another writer holds the lock past the portal's wait limit (DB_LOCK_WAIT_TIMEOUT, 5 s):
    // SQLite's one write lock, or on MySQL the membership row the request must change.
    const release = onSqlite() ? holdSqliteWriteLock() : await holdMysqlRowLock(user)
    const started = Date.now()
    try {
      const response = await browser
        .request('PUT', `/api/v1/experiments/${experiment.id}/favorite`)
        .json({ favorite: true })
      response.assertStatus(503)
      assert.equal(response.header('retry-after'), '1')
      assert.equal(response.body().errors[0].code, 'E_DATABASE_BUSY')
    } finally {
      await release()
    }
    const waited = Date.now() - started
    assert.isAtLeast(waited, 4_500, 'it waited for the lock')
    assert.isBelow(waited, 20_000, "not InnoDB's own 50 s")
    const membership = await db.from('experiment_members').where('user_id', user.id).first()
    assert.isNotOk(membership.favorite, 'nothing of the write stayed')
    assert.lengthOf(
      await db
        .from('audit_events')
        .where('action', 'experiment.favorite')
        .where('actor_id', user.id),
      0,
      'no audit of a write that did not happen'
    )
  })

  test('a deadlock where nothing runs the write again is a 409 to send again', async ({
    assert,
  }) => {
    if (onSqlite()) {
      // One writer at a time: SQLite has no deadlock to meet.
      assert.equal(toApiErrors({ code: 'SQLITE_BUSY' }).status, 503, 'its one refusal: busy')
      return
    }
    const [a, b] = await Promise.all([ownMysqlConnection(), ownMysqlConnection()])
    const other = await createExperiment()
    try {
      await a.beginTransaction()
      await b.beginTransaction()
      await a.query('SELECT id FROM experiments WHERE id = ? FOR UPDATE', [experiment.id])
      await b.query('SELECT id FROM experiments WHERE id = ? FOR UPDATE', [other.id])
      const crossed = [
        failureOf(a.query('SELECT id FROM experiments WHERE id = ? FOR UPDATE', [other.id])),
        failureOf(b.query('SELECT id FROM experiments WHERE id = ? FOR UPDATE', [experiment.id])),
      ]
      // The victim fails at once; the survivor is granted its lock once the victim rolls back.
      const [victim] = (await Promise.all(crossed)).filter(Boolean)
      assert.equal((victim as { code?: string }).code, 'ER_LOCK_DEADLOCK')
      assert.deepEqual(toApiErrors(victim), {
        status: 409,
        errors: [
          { code: 'E_CONFLICT', message: 'A concurrent change got there first; please retry' },
        ],
      })
    } finally {
      await Promise.all([a.end(), b.end()])
      await db.from('experiments').where('id', other.id).delete()
    }
  })
})
