import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import limiter from '@adonisjs/limiter/services/main'
import type User from '#models/user'
import { UserFactory } from '#database/factories/user_factory'
import ExperimentSyncService from '#services/experiments/experiment_sync_service'
import UserErasureService from '#services/accounts/user_erasure_service'
import RequestOrigin from '#services/request_origin'
import ConflictException from '#exceptions/conflict_exception'
import { testUserOffice } from '#tests/helpers/test_user_office'
import { makeExperiments } from '#tests/helpers/user_office_server'

const PREFIX = 'CERASE'

/**
 * An admin erases an account while a sync of its experiments is under way
 * (a sign-in, the background sync): the erasure deletes the memberships, and
 * the sync, which asked the User Office about the old name, must not write
 * them back. These tests commit for real, so they remove what they wrote.
 */
test.group('Experiment sync beside an erasure of its account', (group) => {
  let user: User

  group.each.setup(async () => {
    await limiter.clear()
    testUserOffice.reset()
    user = await UserFactory.merge({
      username: 'cerase',
      provider: 'useroffice',
      password: null,
    }).create()
    testUserOffice.setExperiments(user.username, makeExperiments(3, { prefix: PREFIX }))
    return async () => {
      testUserOffice.reset()
      await db.from('experiments').where('proposal_id', 'like', `${PREFIX}%`).delete()
      await db.from('users').where('id', user.id).delete()
    }
  })

  const membershipsOf = async (userId: number) =>
    Number((await db.from('experiment_members').where('user_id', userId).count('* as n'))[0].n)

  test('an erasure while the sync reads the User Office: the sync writes nothing', async ({
    assert,
  }) => {
    const sync = await app.container.make(ExperimentSyncService)
    const erasure = await app.container.make(UserErasureService)
    // The sync has asked; its answer comes after the erasure has committed.
    testUserOffice.delayMs = 500
    const asked = testUserOffice.requestsTo('experiments')
    const syncing = sync.sync(user).catch((error: unknown) => error)
    while (testUserOffice.requestsTo('experiments') === asked) {
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    await erasure.erase(null, user.id, RequestOrigin.cli())

    const outcome = await syncing
    assert.instanceOf(outcome, ConflictException)
    assert.equal(await membershipsOf(user.id), 0)
    const row = await db.from('users').where('id', user.id).first()
    assert.isNull(row.experiments_synced_at)
    assert.match(row.username, /^erased-/)
  })

  test('a sync that committed before the erasure: the erasure removes what it wrote', async ({
    assert,
  }) => {
    const sync = await app.container.make(ExperimentSyncService)
    const erasure = await app.container.make(UserErasureService)
    await sync.sync(user)
    assert.equal(await membershipsOf(user.id), 3)
    await erasure.erase(null, user.id, RequestOrigin.cli())
    assert.equal(await membershipsOf(user.id), 0)
  })
})
