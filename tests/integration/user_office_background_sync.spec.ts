import { rm } from 'node:fs/promises'
import { DateTime } from 'luxon'
import { test } from '@japa/runner'
import env from '#start/env'
import { PortalProcess, scratchDir } from '#tests/helpers/portal_process'
import { scratchPortalDatabase } from '#tests/helpers/scratch_portal_database'
import { UserOfficeServer, makeExperiments } from '#tests/helpers/user_office_server'
import { parsePrometheusText, sampleValue } from '#tests/helpers/prometheus_text'
import { waitFor } from '#tests/helpers/wait_for'

const METRICS_TOKEN = 'uo-background-sync-metrics-token-0123'
/** The job's budget: one request every 500 ms. */
const REQUESTS_PER_MINUTE = 120
const SPACING_MS = 60_000 / REQUESTS_PER_MINUTE
const JITTER_MS = 150
const ACTIVE = ['ada', 'bob', 'cyd', 'dee', 'eve', 'fay']
const INACTIVE = ['old1', 'old2']

async function scrape(portal: PortalProcess) {
  const response = await fetch(`${portal.baseUrl}/metrics`, {
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    signal: AbortSignal.timeout(10_000),
  })
  if (response.status !== 200) {
    throw new Error(`/metrics answered ${response.status}`)
  }
  return parsePrometheusText(await response.text())
}

/*
 * Two real portal processes on a database of their own and a User Office
 * fixture that enforces a rate budget of its own (3 requests per second,
 * 429 beyond): the background sync runs in one process only, refreshes
 * only active users, keeps to its pace, and backs off on a 429.
 */
test.group('Background User Office sync across two portal processes', () => {
  test('one process refreshes the active users at the configured pace and backs off on a 429', async ({
    assert,
    cleanup,
  }) => {
    const database = await scratchPortalDatabase('uo_sync')
    cleanup(() => database.drop())
    const userOffice = new UserOfficeServer()
    await userOffice.start()
    cleanup(() => userOffice.stop())
    userOffice.rateLimit = { requests: 3, windowMs: 1000 }
    const dataDir = await scratchDir('uo-sync')
    cleanup(() => rm(dataDir, { recursive: true, force: true }))

    const now = DateTime.utc()
    for (const username of [...ACTIVE, ...INACTIVE]) {
      const lastLogin = ACTIVE.includes(username)
        ? now.minus({ hours: 1 })
        : now.minus({ days: 30 })
      await database
        .connection()
        .table('users')
        .insert({
          username,
          email: `${username}@facility.test`,
          provider: 'useroffice',
          disabled: false,
          last_login_at: lastLogin.toJSDate(),
          created_at: now.toJSDate(),
          updated_at: now.toJSDate(),
        })
      userOffice.setExperiments(username, makeExperiments(2, { prefix: username.toUpperCase() }))
    }
    const syncedAt = async (username: string) =>
      (await database.connection().from('users').where('username', username).first())
        .experiments_synced_at as Date | null

    const settings = {
      ...database.portalEnv,
      ...userOffice.portalEnv(),
      APP_KEY: 'an-app-key-for-the-uo-background-sync-0123',
      DATA_DIR: dataDir,
      PORTAL_INSTANCE_ID: 'portal-uo-sync',
      DOCKER_SOCKET: env.get('DOCKER_SOCKET', '/var/run/docker.sock'),
      DOCKER_NETWORK: 'host',
      ACCESS_BROKER: 'none',
      JOBS_INTERVAL_SECONDS: '1',
      METRICS_TOKEN,
      USER_OFFICE_BACKGROUND_SYNC: 'true',
      USER_OFFICE_BACKGROUND_SYNC_REQUESTS_PER_MINUTE: String(REQUESTS_PER_MINUTE),
    }
    // One after the other: two boots at once are slow on a loaded machine.
    const first = await PortalProcess.start(settings)
    cleanup(() => first.stop())
    const second = await PortalProcess.start(settings)
    cleanup(() => second.stop())

    await waitFor(
      'every active user to be refreshed',
      async () => (await Promise.all(ACTIVE.map(syncedAt))).every(Boolean),
      30_000
    )
    // A few more job intervals: nothing more is asked (nobody is due, nobody twice).
    await new Promise((resolve) => setTimeout(resolve, 3000))
    const experiments = userOffice.requests.filter((request) => request.endpoint === 'experiments')
    assert.sameMembers(
      experiments.map((request) => request.path.split('/')[2]),
      ACTIVE,
      'each active user once, by one process, inactive ones never'
    )
    for (const username of INACTIVE) {
      assert.isNull(await syncedAt(username))
    }
    assert.isFalse(
      userOffice.requests.some((request) => request.rateLimited),
      "the User Office's own budget never refused one"
    )
    // Requests leave SPACING_MS apart; on the way here (this busy test process
    // timestamps them) any one may arrive up to JITTER_MS late, never early.
    const arrivals = experiments.map((request) => request.at - experiments[0].at)
    for (let later = 1; later < arrivals.length; later++) {
      for (let earlier = 0; earlier < later; earlier++) {
        assert.isAtLeast(
          arrivals[later] - arrivals[earlier],
          (later - earlier) * SPACING_MS - JITTER_MS,
          `arrivals ${arrivals.join(', ')} ms`
        )
      }
    }
    const memberships = await database.connection().from('experiment_members').count('* as total')
    assert.equal(Number(memberships[0].total), ACTIVE.length * 2)

    const scrapes = await Promise.all([scrape(first), scrape(second)])
    const synced = scrapes.map((samples) =>
      sampleValue(samples, 'portal_user_office_background_syncs_total', { outcome: 'synced' })
    )
    assert.sameMembers(synced, [0, ACTIVE.length], 'all in one process')
    for (const samples of scrapes) {
      const lag = sampleValue(samples, 'portal_user_office_sync_lag_seconds')
      assert.isBelow(lag, 60)
    }
    const leader = synced[0] > 0 ? first : second

    // The User Office starts refusing with 429 and Retry-After: 2.
    userOffice.requests.length = 0
    userOffice.setFault(
      { kind: 'status', status: 429, headers: { 'retry-after': '2' } },
      'experiments'
    )
    await database
      .connection()
      .from('users')
      .whereIn('username', ['ada', 'bob'])
      .update({ experiments_synced_at: now.minus({ hours: 2 }).toJSDate() })
    const refused = await waitFor(
      'a refused request',
      async () => userOffice.requests.find((request) => request.endpoint === 'experiments'),
      10_000
    )
    await new Promise((resolve) => setTimeout(resolve, 500))
    userOffice.setFault(null, 'experiments')
    await waitFor(
      'both to be refreshed once the User Office accepts again',
      async () =>
        (await Promise.all(['ada', 'bob'].map(syncedAt))).every(
          (value) => value !== null && value.getTime() > now.toMillis()
        ),
      20_000
    )
    const after = userOffice.requests.filter(
      (request) => request.endpoint === 'experiments' && request.at > refused.at
    )
    assert.isAtLeast(after[0].at - refused.at, 1990, 'nothing asked before Retry-After')
    const leaderSamples = await scrape(leader)
    assert.isAtLeast(
      sampleValue(leaderSamples, 'portal_user_office_background_syncs_total', {
        outcome: 'backed_off',
      }),
      1
    )
    for (const portal of [first, second]) {
      const live = await fetch(`${portal.baseUrl}/health/live`)
      assert.equal(live.status, 200, 'a refusal is not fatal')
    }
  }).timeout(120_000)
})
