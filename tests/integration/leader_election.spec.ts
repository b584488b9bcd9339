import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import { PortalProcess } from '#tests/helpers/portal_process'
import { logLines, replicaEnv } from '#tests/helpers/replica_env'

/*
 * Background jobs (reconciler, expiry) run in the one portal process that
 * holds the "background-jobs" row of job_leases. Two real processes share
 * the test database, with a 3 s job interval (so a 9 s lease).
 */
const INTERVAL_MS = 3000
const TTL_MS = 3 * INTERVAL_MS

const GAINED = 'background jobs: this process now leads (runs the reconciler and expiry)'
const RELEASED = 'background jobs: lease released, another process may lead'

type Lease = { holder: string; expiresAt: Date }

async function currentLease(): Promise<Lease | null> {
  const row = await db.from('job_leases').where('name', 'background-jobs').first()
  return row ? { holder: row.holder, expiresAt: new Date(row.expires_at) } : null
}

/** The pid part of a holder name (host:pid:random). */
function pidOf(lease: Lease) {
  return Number(lease.holder.split(':')[1])
}

async function waitFor<T>(what: string, probe: () => Promise<T | null>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const value = await probe()
    if (value !== null) {
      return value
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`timed out waiting for ${what}`)
}

async function isLeader(portal: PortalProcess) {
  const response = await fetch(`${portal.baseUrl}/health/ready`, {
    signal: AbortSignal.timeout(10_000),
  })
  const body = (await response.json()) as { leader: boolean }
  return body.leader
}

function gainedLeadership(portal: PortalProcess) {
  return logLines(portal.stdout).filter((line) => line.msg === GAINED).length
}

/** Two replicas; resolves once one of them holds the lease: [leader, follower]. */
async function twoReplicas(cleanup: (fn: () => Promise<void>) => void) {
  await db.from('job_leases').where('name', 'background-jobs').delete()
  const settings = replicaEnv({
    PORTAL_INSTANCE_ID: `leader-${Date.now()}`,
    ACCESS_BROKER: 'none',
    JOBS_ENABLED: 'true',
    JOBS_INTERVAL_SECONDS: String(INTERVAL_MS / 1000),
  })
  const replicas = await Promise.all([PortalProcess.start(settings), PortalProcess.start(settings)])
  cleanup(() => Promise.all(replicas.map((portal) => portal.stop())).then(() => {}))
  const lease = await waitFor(
    'a leader',
    async () => {
      const current = await currentLease()
      return current && replicas.some((portal) => portal.pid === pidOf(current)) ? current : null
    },
    20_000
  )
  const leader = replicas.find((portal) => portal.pid === pidOf(lease))!
  const follower = replicas.find((portal) => portal !== leader)!
  // Readiness says so once the leader's first renewal has been answered.
  await waitFor(
    'readiness to show the leader',
    async () => ((await isLeader(leader)) ? true : null),
    5000
  )
  return { leader, follower }
}

test.group('Background jobs leader election', () => {
  test('of two processes exactly one leads, as readiness, the log and the lease row agree', async ({
    assert,
    cleanup,
  }) => {
    const { leader, follower } = await twoReplicas(cleanup)

    // Sampled over three intervals: the same single leader every time.
    for (let sample = 0; sample < 6; sample++) {
      const [leaderSays, followerSays] = await Promise.all([isLeader(leader), isLeader(follower)])
      assert.isTrue(leaderSays)
      assert.isFalse(followerSays)
      assert.equal(pidOf((await currentLease())!), leader.pid)
      await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS / 2))
    }
    assert.equal(gainedLeadership(leader), 1)
    assert.equal(gainedLeadership(follower), 0)
    // Only the leader runs the jobs.
    const ran = (portal: PortalProcess) =>
      logLines(portal.stdout).filter((line) => line.msg === 'background jobs ran').length
    assert.isAtLeast(ran(leader), 2)
    assert.equal(ran(follower), 0)
  }).timeout(120_000)

  test('a SIGKILLed leader is replaced once its lease has expired, and not before', async ({
    assert,
    cleanup,
  }) => {
    const { leader, follower } = await twoReplicas(cleanup)

    const killed = await leader.kill('SIGKILL')
    assert.equal(killed.signal, 'SIGKILL')
    // The dead leader's last renewal: nobody may take the lease before it expires.
    const last = (await currentLease())!
    assert.equal(pidOf(last), leader.pid)

    const taken = await waitFor(
      'the follower to take over',
      async () => {
        const current = await currentLease()
        return current && pidOf(current) === follower.pid ? current : null
      },
      TTL_MS + 4 * INTERVAL_MS
    )
    const takenAt = taken.expiresAt.getTime() - TTL_MS
    assert.isAtLeast(takenAt, last.expiresAt.getTime(), 'taken over before the lease expired')
    // The follower tries every interval: it takes over within one after the expiry.
    assert.isAtMost(takenAt - last.expiresAt.getTime(), INTERVAL_MS + 1500)
    await waitFor(
      'readiness of the new leader',
      async () => ((await isLeader(follower)) ? true : null),
      5000
    )
    assert.equal(gainedLeadership(follower), 1)
  }).timeout(120_000)

  test('a SIGTERMed leader releases its lease, and the other process leads before it would have expired', async ({
    assert,
    cleanup,
  }) => {
    const { leader, follower } = await twoReplicas(cleanup)

    const before = (await currentLease())!
    assert.equal(pidOf(before), leader.pid)
    const exit = leader.kill('SIGTERM')

    const taken = await waitFor(
      'the follower to take over',
      async () => {
        const current = await currentLease()
        return current && pidOf(current) === follower.pid ? current : null
      },
      TTL_MS
    )
    assert.isBelow(taken.expiresAt.getTime() - TTL_MS, before.expiresAt.getTime())
    const { code } = await exit
    assert.equal(code, 0)
    assert.lengthOf(
      logLines(leader.stdout).filter((line) => line.msg === RELEASED),
      1
    )
    await waitFor(
      'readiness of the new leader',
      async () => ((await isLeader(follower)) ? true : null),
      5000
    )
  }).timeout(120_000)
})
