import { DateTime } from 'luxon'
import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import app from '@adonisjs/core/services/app'
import userOfficeConfig from '#config/user_office'
import type User from '#models/user'
import { UserFactory } from '#database/factories/user_factory'
import ExperimentBackgroundSync, {
  userOfficeSyncLagSeconds,
} from '#services/experiments/experiment_background_sync'
import RequestPace from '#services/user_office/request_pace'
import { userOfficeBackgroundSyncs } from '#services/metrics/portal_metrics'
import { isolateEachTest } from '#tests/helpers/isolation'
import { testUserOffice } from '#tests/helpers/test_user_office'
import { makeExperiments } from '#tests/helpers/user_office_server'

/** A User Office account; `active` signed in an hour ago, otherwise 30 days ago. */
async function facilityUser(
  username: string,
  options: { active?: boolean; syncedHoursAgo?: number | null; disabled?: boolean } = {}
) {
  const now = DateTime.utc()
  const user = await UserFactory.merge({
    username,
    provider: 'useroffice',
    password: null,
    disabled: options.disabled ?? false,
    lastLoginAt: options.active === false ? now.minus({ days: 30 }) : now.minus({ hours: 1 }),
    experimentsSyncedAt:
      options.syncedHoursAgo === null || options.syncedHoursAgo === undefined
        ? null
        : now.minus({ hours: options.syncedHoursAgo }),
  }).create()
  testUserOffice.setExperiments(username, makeExperiments(2, { prefix: username.toUpperCase() }))
  return user
}

/** A pace that notes when it let each request go. */
class RecordingPace extends RequestPace {
  readonly released: number[] = []

  // The pace's own instant: one read after the await would add any stall of the process since.
  async take(signal?: AbortSignal) {
    const came = await super.take(signal)
    this.released.push(came)
    return came
  }
}

/** Whose experiments the User Office was asked for, in order. */
function askedFor() {
  return testUserOffice.requests
    .filter((request) => request.endpoint === 'experiments')
    .map((request) => decodeURIComponent(request.path.split('/')[2]))
}

async function outcomes() {
  const { values } = await userOfficeBackgroundSyncs.get()
  const of = (outcome: string) =>
    values.find((value) => value.labels.outcome === outcome)?.value ?? 0
  return { synced: of('synced'), failed: of('failed'), backedOff: of('backed_off') }
}

async function memberships(user: User) {
  const rows = await db.from('experiment_members').where('user_id', user.id).count('* as total')
  return Number(rows[0].total)
}

test.group('Background User Office sync', (group) => {
  isolateEachTest(group)
  const settings = { ...userOfficeConfig.backgroundSync }
  group.each.teardown(() => {
    Object.assign(userOfficeConfig.backgroundSync, settings)
  })

  test('refreshes only the active User Office accounts whose list is stale, oldest first', async ({
    assert,
  }) => {
    const neverSynced = await facilityUser('never', { syncedHoursAgo: null })
    const stale = await facilityUser('stale', { syncedHoursAgo: 5 })
    const older = await facilityUser('older', { syncedHoursAgo: 9 })
    const fresh = await facilityUser('fresh', { syncedHoursAgo: 0.1 })
    const away = await facilityUser('away', { active: false, syncedHoursAgo: 48 })
    const disabled = await facilityUser('gone', { disabled: true, syncedHoursAgo: 48 })
    const local = await UserFactory.merge({ lastLoginAt: DateTime.utc() }).create()
    // An API token used recently makes an account active without a sign-in.
    const scripted = await facilityUser('scripted', { active: false, syncedHoursAgo: 3 })
    await db.table('auth_access_tokens').insert({
      tokenable_id: scripted.id,
      type: 'api_token',
      hash: 'not-a-real-token-hash',
      abilities: '["*"]',
      created_at: new Date(),
      updated_at: new Date(),
      last_used_at: DateTime.utc().minus({ minutes: 5 }).toJSDate(),
    })
    assert.isAbove(await userOfficeSyncLagSeconds(), 8 * 3600, 'never synced counts from creation')

    const sync = await app.container.make(ExperimentBackgroundSync)
    const before = await outcomes()
    const report = await sync.run(new RequestPace(6000), new AbortController().signal)

    assert.deepEqual(report, { synced: 4, failed: 0, backedOff: 0 })
    assert.deepEqual(askedFor(), ['never', 'older', 'stale', 'scripted'])
    for (const user of [neverSynced, stale, older, scripted]) {
      assert.equal(await memberships(user), 2, user.username)
    }
    for (const user of [fresh, away, disabled, local]) {
      assert.equal(await memberships(user), 0, user.username)
    }
    assert.equal((await outcomes()).synced - before.synced, 4)
    assert.isBelow(await userOfficeSyncLagSeconds(), 0.2 * 3600)

    // Nothing is due any more: a second pass asks nothing.
    const again = await sync.run(new RequestPace(6000), new AbortController().signal)
    assert.deepEqual(again, { synced: 0, failed: 0, backedOff: 0 })
    assert.lengthOf(askedFor(), 4)
  })

  test('spaces its requests by the budget, every page counting as one', async ({ assert }) => {
    for (const name of ['paged1', 'paged2']) {
      await facilityUser(name)
      // Pages of 10 (.env.test): three requests each.
      testUserOffice.setExperiments(name, makeExperiments(25, { prefix: name.toUpperCase() }))
    }
    const sync = await app.container.make(ExperimentBackgroundSync)
    const pace = new RecordingPace(300)
    const report = await sync.run(pace, new AbortController().signal)

    assert.equal(report.synced, 2)
    assert.lengthOf(testUserOffice.requests, 6)
    // When each request was let go: 200 ms apart at least. Timers fire late, and at most a
    // millisecond early: libuv measures them on its loop clock, whole milliseconds taken
    // when the loop turned (seen once: 199.97 ms by performance.now()).
    assert.lengthOf(pace.released, 6)
    for (let index = 1; index < pace.released.length; index++) {
      assert.isAtLeast(pace.released[index] - pace.released[index - 1], 199, `request ${index}`)
    }
  }).timeout(20_000)

  test('a 429 pauses for its Retry-After, is counted, and the pass carries on', async ({
    assert,
  }) => {
    for (const name of ['first', 'second', 'third', 'fourth']) {
      await facilityUser(name)
    }
    // A User Office allowing two requests per second.
    testUserOffice.rateLimit = { requests: 2, windowMs: 1000 }
    const before = await outcomes()
    const sync = await app.container.make(ExperimentBackgroundSync)
    const report = await sync.run(new RequestPace(6000), new AbortController().signal)

    assert.deepEqual(report, { synced: 3, failed: 0, backedOff: 1 })
    const requests = testUserOffice.requests
    assert.lengthOf(requests, 4, 'the refused one is not retried at once')
    assert.isTrue(requests[2].rateLimited)
    assert.isAtLeast(requests[3].at - requests[2].at, 995, 'Retry-After: 1 respected')
    assert.isFalse(requests[3].rateLimited)
    assert.equal((await outcomes()).backedOff - before.backedOff, 1)
    // The refused user is still due: the next pass takes it.
    testUserOffice.rateLimit = null
    const next = await sync.run(new RequestPace(6000), new AbortController().signal)
    assert.deepEqual(next, { synced: 1, failed: 0, backedOff: 0 })
    assert.deepEqual(askedFor().at(-1), 'third')
  }).timeout(20_000)

  test('a 503 without Retry-After backs off, doubling; other failures are counted and not fatal', async ({
    assert,
  }) => {
    userOfficeConfig.backgroundSync.backoffMs = 300
    for (const name of ['one', 'two', 'three']) {
      await facilityUser(name)
    }
    const sync = await app.container.make(ExperimentBackgroundSync)

    testUserOffice.setFault({ kind: 'status', status: 503 }, 'experiments')
    const busy = await sync.run(new RequestPace(6000), new AbortController().signal)
    assert.deepEqual(busy, { synced: 0, failed: 0, backedOff: 3 })
    const times = testUserOffice.requests.map((request) => request.at)
    assert.lengthOf(times, 3, 'no retries')
    assert.isAtLeast(times[1] - times[0], 295)
    assert.isAtLeast(times[2] - times[1], 595, 'doubled')

    testUserOffice.requests.length = 0
    testUserOffice.setFault({ kind: 'wrongShape' }, 'experiments')
    const before = await outcomes()
    const broken = await sync.run(new RequestPace(6000), new AbortController().signal)
    assert.deepEqual(broken, { synced: 0, failed: 3, backedOff: 0 })
    assert.equal((await outcomes()).failed - before.failed, 3)

    testUserOffice.setFault(null, 'experiments')
    const healed = await sync.run(new RequestPace(6000), new AbortController().signal)
    assert.deepEqual(healed, { synced: 3, failed: 0, backedOff: 0 })
  }).timeout(20_000)

  test('stops between users at once when aborted, even while waiting for the pace', async ({
    assert,
  }) => {
    for (const name of ['waits1', 'waits2']) {
      await facilityUser(name)
    }
    const sync = await app.container.make(ExperimentBackgroundSync)
    const abort = new AbortController()
    // One request a minute: the first waits a minute for its slot.
    const pass = sync.run(new RequestPace(1), abort.signal)
    setTimeout(() => abort.abort(), 200)
    const startedAt = Date.now()
    const report = await pass
    assert.isBelow(Date.now() - startedAt, 2000)
    assert.deepEqual(report, { synced: 0, failed: 0, backedOff: 0 })
    assert.lengthOf(testUserOffice.requests, 0)
  })
})
