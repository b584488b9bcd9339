import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import User from '#models/user'
import { createUser, FACTORY_PASSWORD } from '#database/factories/user_factory'
import { testDatabaseEnv } from '#tests/helpers/replica_env'
import { HttpBrowser, PortalProcess } from '#tests/helpers/portal_process'

/** AUTH_CACHE_TTL of both processes (the default). */
const TTL_MS = 1_000
/**
 * What a loaded 2-core CI machine may add between a probe leaving the
 * test and process B reading the database for it (event-loop queueing of
 * a busy process, scheduling): generous, as this is a correctness bound,
 * not a speed measurement.
 */
const SLACK_MS = 500
/** Give up polling B after this long (the assertion below is far tighter). */
const GIVE_UP_MS = 10_000

async function call(baseUrl: string, token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      accept: 'application/json',
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  })
  await response.arrayBuffer()
  return response.status
}

/**
 * Polls B with the token until B refuses it. Returns how long after A
 * answered the last probe B still accepted was sent (0 when none was),
 * and the refusal's status.
 */
async function untilRefused(baseUrl: string, token: string, changedAt: number) {
  return untilRefusedBy(() => call(baseUrl, token, 'GET', '/api/v1/me'), changedAt)
}

/** The same, for any probe answering a status (a browser's cookie). */
async function untilRefusedBy(probe: () => Promise<number>, changedAt: number) {
  let lastAcceptedSentAfterMs = 0
  while (Date.now() - changedAt < GIVE_UP_MS) {
    const sentAt = Date.now()
    const status = await probe()
    if (status !== 200) {
      return { lastAcceptedSentAfterMs, status }
    }
    lastAcceptedSentAfterMs = sentAt - changedAt
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`still accepted ${GIVE_UP_MS} ms after the change`)
}

/** What every portal process of these tests shares: the database, the app key, the cache's TTL. */
function bothProcesses(): Record<string, string> {
  return {
    ...testDatabaseEnv(),
    APP_KEY: 'shared-app-key-of-both-portal-processes-0123',
    ACCESS_BROKER: 'none',
    JOBS_ENABLED: 'false',
    AUTH_CACHE_TTL: `${TTL_MS}ms`,
  }
}

/**
 * Each process remembers verified credentials for AUTH_CACHE_TTL, and only
 * the process making a change forgets them at once. Two real portal
 * processes on the test database: a token B has just admitted (so B
 * remembers it) is revoked, its account disabled or erased through A, and
 * B is polled until it refuses.
 *
 * The bound: A answers after its transaction committed, and B's entry is
 * at most TTL old, so every request B reads after (A's answer + TTL) is
 * checked against the database. A probe leaves the test some time before
 * B reads it (SLACK_MS on a loaded machine), hence: no probe B accepted
 * may have been sent later than TTL + SLACK_MS after A answered, and B
 * must refuse. The refusal, not the wait, is what is asserted. A browser's
 * session is remembered the same way (ADR 14): signed out through B, it is
 * refused by A within the same bound.
 */
test.group('Credential cache across two portal processes', () => {
  test('revocation, disabling and erasure through A are refused by B within the cache TTL; uses are written at shutdown', async ({
    assert,
    cleanup,
  }) => {
    const admin = await createUser({ roles: ['admin'] })
    const adminToken = (
      await User.accessTokens.create(admin, ['user', 'admin'], { name: 'replica admin' })
    ).value!.release()
    const victims = await Promise.all([createUser(), createUser(), createUser()])
    const tokens = await Promise.all(
      victims.map(async (victim) => {
        const token = await User.accessTokens.create(victim, ['user'], { name: 'replica victim' })
        return { id: Number(token.identifier), value: token.value!.release() }
      })
    )
    cleanup(async () => {
      const ids = [admin, ...victims].map((user) => user.id)
      await db.from('users').whereIn('id', ids).delete()
    })

    const shared = {
      ...bothProcesses(),
      // No timed write during the test: the uses noted are written at shutdown.
      API_TOKEN_LAST_USED_RESOLUTION: '10m',
    }
    const [a, b] = await Promise.all([PortalProcess.start(shared), PortalProcess.start(shared)])
    cleanup(() => Promise.all([a.stop(), b.stop()]).then(() => {}))

    const changes = [
      {
        what: 'revoked token',
        change: (index: number) =>
          call(a.baseUrl, tokens[index].value, 'DELETE', `/api/v1/auth/tokens/${tokens[index].id}`),
      },
      {
        what: 'disabled account',
        change: (index: number) =>
          call(a.baseUrl, adminToken, 'PATCH', `/api/v1/admin/users/${victims[index].id}`, {
            disabled: true,
          }),
      },
      {
        what: 'erased account',
        change: (index: number) =>
          call(a.baseUrl, adminToken, 'DELETE', `/api/v1/admin/users/${victims[index].id}`),
      },
    ]
    for (const [index, { what, change }] of changes.entries()) {
      // B admits the token, and so remembers it.
      assert.equal(await call(b.baseUrl, tokens[index].value, 'GET', '/api/v1/me'), 200, what)
      assert.equal(await call(b.baseUrl, tokens[index].value, 'GET', '/api/v1/me'), 200, what)

      const status = await change(index)
      assert.oneOf(status, [200, 204], `${what}: A made the change`)
      const changedAt = Date.now()
      // A itself refuses at once.
      assert.equal(await call(a.baseUrl, tokens[index].value, 'GET', '/api/v1/me'), 401, what)

      const refused = await untilRefused(b.baseUrl, tokens[index].value, changedAt)
      assert.equal(refused.status, 401, what)
      assert.isAtMost(
        refused.lastAcceptedSentAfterMs,
        TTL_MS + SLACK_MS,
        `${what}: B accepted a request sent ${refused.lastAcceptedSentAfterMs} ms after A answered`
      )
    }

    // A read never wrote: the admin token's use is written when A shuts down gracefully.
    const adminTokenRow = () =>
      db.from('auth_access_tokens').where('tokenable_id', admin.id).firstOrFail()
    assert.isNull((await adminTokenRow()).last_used_at)
    await a.stop()
    assert.isNotNull((await adminTokenRow()).last_used_at)
  }).timeout(180_000)

  test('a sign-out through B is refused by A within the cache TTL, and at once by a process without the cache', async ({
    assert,
    cleanup,
  }) => {
    const users = await Promise.all([createUser(), createUser()])
    cleanup(async () => {
      const ids = users.map((user) => String(user.id))
      await db.from('sessions').whereIn('user_id', ids).delete()
      await db.from('users').whereIn('id', ids).delete()
    })
    const shared = bothProcesses()
    const [a, b, uncached] = await Promise.all([
      PortalProcess.start(shared),
      PortalProcess.start(shared),
      PortalProcess.start(shared, { credentialCache: false }),
    ])
    cleanup(() => Promise.all([a.stop(), b.stop(), uncached.stop()]).then(() => {}))

    /** Signs in through `portal`; the browser's cookies, and a copy of them on `other`. */
    async function signedInThrough(portal: PortalProcess, username: string, other: PortalProcess) {
      const browser = new HttpBrowser(portal.baseUrl)
      assert.equal((await browser.login(username, FACTORY_PASSWORD)).status, 200)
      const elsewhere = new HttpBrowser(other.baseUrl)
      elsewhere.cookies = new Map(browser.cookies)
      // The cookie as signed in, whatever a later answer sets.
      const cookie = [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
      const me = async () => {
        const response = await fetch(`${portal.baseUrl}/api/v1/me`, {
          headers: { accept: 'application/json', cookie },
          signal: AbortSignal.timeout(10_000),
        })
        await response.arrayBuffer()
        return response.status
      }
      return { me, elsewhere }
    }

    // A admits the browser's session, and so remembers it; B signs the browser out.
    const remembered = await signedInThrough(a, users[0].username, b)
    assert.equal(await remembered.me(), 200)
    assert.equal(await remembered.me(), 200)
    assert.equal((await remembered.elsewhere.request('POST', '/api/v1/auth/logout')).status, 204)
    const signedOutAt = Date.now()
    const refused = await untilRefusedBy(remembered.me, signedOutAt)
    assert.equal(refused.status, 401)
    assert.isAtMost(
      refused.lastAcceptedSentAfterMs,
      TTL_MS + SLACK_MS,
      `A accepted a request sent ${refused.lastAcceptedSentAfterMs} ms after B signed out`
    )
    const signedIn = await db.from('sessions').where('user_id', String(users[0].id))
    assert.lengthOf(signedIn, 0, 'A wrote no session of the user back')

    // With AUTH_CACHE_TTL=0 the very next request reads the session.
    const uncachedBrowser = await signedInThrough(uncached, users[1].username, b)
    assert.equal(await uncachedBrowser.me(), 200)
    assert.equal(
      (await uncachedBrowser.elsewhere.request('POST', '/api/v1/auth/logout')).status,
      204
    )
    assert.equal(await uncachedBrowser.me(), 401)
  }).timeout(180_000)
})
