import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import limiter from '@adonisjs/limiter/services/main'
import type User from '#models/user'
import { UserFactory } from '#database/factories/user_factory'
import { testUserOffice } from '#tests/helpers/test_user_office'
import { OverlappingProposals } from '#tests/helpers/overlapping_proposals'
import { makeExperiments, type UoExperiment } from '#tests/helpers/user_office_server'

const USERS = 8
const PROPOSALS = 24
/** Each member's proposals: a window of the pool, starting STEP after the previous member's (each shared by three). */
const STEP = 3
const WINDOW = 9
const PREFIX = 'CSYNC'

/**
 * Members of shared proposals synced at the same moment (sign-ins in
 * several processes, the background sync): the transactions write
 * overlapping experiments (new ones, renamed ones) and, on MySQL, the
 * triggers of their source's count row (ADR 10 and 12). The database may
 * refuse one of them (a deadlock, or a twin insert of a new proposal);
 * the sync must still end with every member's experiments stored. These
 * tests commit for real (concurrent transactions cannot share the
 * per-test one), so they remove what they wrote.
 */
test.group('Experiment syncs of shared proposals at the same moment', (group) => {
  let users: User[] = []
  let overlapping = new OverlappingProposals([], WINDOW, STEP)
  let pool: UoExperiment[] = []

  group.each.setup(async () => {
    await limiter.clear()
    testUserOffice.reset()
    pool = makeExperiments(PROPOSALS, { prefix: PREFIX, sessionsPer: 2 })
    users = []
    for (let index = 0; index < USERS; index++) {
      const user = await UserFactory.merge({
        username: `csync${index}`,
        provider: 'useroffice',
        password: null,
      }).create()
      users.push(user)
    }
    overlapping = new OverlappingProposals(users, WINDOW, STEP)
    overlapping.assign(pool)
    return async () => {
      await db.from('experiments').where('proposal_id', 'like', `${PREFIX}%`).delete()
      await db
        .from('users')
        .whereIn(
          'id',
          users.map((user) => user.id)
        )
        .delete()
    }
  })

  async function storedTitles() {
    const rows = await db
      .from('experiments')
      .where('proposal_id', 'like', `${PREFIX}%`)
      .select('proposal_id', 'title')
    return new Map(rows.map((row) => [row.proposal_id as string, row.title as string]))
  }

  async function membershipCount() {
    const [row] = await db
      .from('experiment_members')
      .whereIn(
        'user_id',
        users.map((user) => user.id)
      )
      .count('* as total')
    return Number(row.total)
  }

  test('first syncs of new shared proposals all store them, each once', async ({ assert }) => {
    const failures = await overlapping.syncAllAtOnce()

    assert.deepEqual(failures, [])
    const titles = await storedTitles()
    assert.equal(titles.size, PROPOSALS)
    assert.equal(await membershipCount(), USERS * WINDOW)
  })

  test('renames of shared proposals synced at once are all stored', async ({ assert }) => {
    await overlapping.syncOneAfterAnother()

    for (let round = 1; round <= 3; round++) {
      pool = pool.map((experiment) => ({
        ...experiment,
        subject: `Renamed ${round} ${experiment.proposal_id}`,
      }))
      overlapping.assign(pool)
      assert.deepEqual(await overlapping.syncAllAtOnce(), [], `round ${round}`)
      const titles = await storedTitles()
      for (const experiment of pool) {
        assert.equal(titles.get(experiment.proposal_id), experiment.subject)
      }
    }
    assert.equal(await membershipCount(), USERS * WINDOW)
  })
})
