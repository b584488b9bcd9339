import { test } from '@japa/runner'
import { randomUUID } from 'node:crypto'
import app from '@adonisjs/core/services/app'
import emitter from '@adonisjs/core/services/emitter'
import { configProvider } from '@adonisjs/core'
import { MessageBuilder } from '@adonisjs/core/helpers'
import type { HttpContext } from '@adonisjs/core/http'
import type { SessionStoreWithTaggingContract } from '@adonisjs/session/types'
import db from '@adonisjs/lucid/services/db'
import { createUser, FACTORY_PASSWORD } from '#database/factories/user_factory'
import { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'
import { statementsDuring } from '#tests/helpers/statements'
import { setCredentialCacheTtl, withCredentialCache } from '#tests/helpers/credential_cache'
import { heldWithin } from '#tests/helpers/held_within'
import { authCacheConfig } from '#config/auth'
import { sessionRows } from '#models/verified_credentials'
import RequestOrigin from '#services/request_origin'
import UserErasureService from '#services/accounts/user_erasure_service'

type Client = ConstructorParameters<typeof ApiSession>[0]

/** A new user signed in through a browser, their session's row and its id. */
async function signedIn(client: Client, user?: Awaited<ReturnType<typeof createUser>>) {
  user ??= await createUser()
  const browser = new ApiSession(client)
  ;(await browser.login(user.username, FACTORY_PASSWORD)).assertStatus(200)
  const sessions = () => db.from('sessions').where('user_id', String(user.id))
  const [{ id }] = await sessions().select('id')
  const row = () => db.from('sessions').where('id', id as string)
  return { user, browser, sessions, id: id as string, row }
}

/** Another browser holding the same cookies (a second tab, or a copy kept by a thief). */
function copyOf(client: Client, browser: ApiSession) {
  const copy = new ApiSession(client)
  copy.cookies = new Map(browser.cookies)
  return copy
}

/** The configured session store as one request makes it (config/session.ts). */
async function sessionStores() {
  const config = await configProvider.resolve<any>(app, app.config.get('session'))
  return () => config.stores.database({} as HttpContext, config) as SessionStoreWithTaggingContract
}

/**
 * How a signed-in browser's session is read on each request
 * (app/models/remembered_sessions.ts): one prepared statement by the
 * session's id, with the package's answers for an expired or a tampered
 * session. .env.test turns the per-process memory off (AUTH_CACHE_TTL=0):
 * every request reads.
 */
test.group('Session reads', (group) => {
  isolateEachTest(group)

  test('a read of a signed-in browser reads its session in one statement, by id, without a LIMIT', async ({
    client,
    assert,
  }) => {
    const { browser } = await signedIn(client)
    ;(await browser.get('/api/v1/me')).assertStatus(200)

    const statements = await statementsDuring(async () => {
      ;(await browser.get('/api/v1/me')).assertStatus(200)
    })
    // (The account behind it is remembered for AUTH_CACHE_TTL, 0 here: read too.)
    const sessionStatements = statements.filter((sql) => /\bsessions\b/.test(sql))
    assert.lengthOf(sessionStatements, 1, statements.join('\n'))
    assert.match(sessionStatements[0], /^select .*data.* from .sessions. where .id. = \+?\?$/i)
  })

  test('an expired session reads as none and its row is removed', async ({ client, assert }) => {
    const { browser, sessions } = await signedIn(client)
    await sessions().update({ expires_at: new Date(Date.now() - 1000) })

    const answer = await browser.get('/api/v1/me')
    answer.assertStatus(401)
    assert.lengthOf(await sessions(), 0)
  })

  test('a session whose data does not verify for its id reads as none', async ({ client }) => {
    const { browser, sessions } = await signedIn(client)
    const other = await signedIn(client)
    const [{ data }] = await other.sessions().select('data')
    // Another session's data, signed for that session's id: not this one's.
    await sessions().update({ data })

    ;(await browser.get('/api/v1/me')).assertStatus(401)
    ;(await other.browser.get('/api/v1/me')).assertStatus(200)
  })

  test('the session still tells a listener of its events (unlistened events are skipped)', async ({
    client,
    assert,
    cleanup,
  }) => {
    const { browser, id } = await signedIn(client)
    const heard: string[] = []
    const listener = ({ session }: { session: { sessionId: string } }) => {
      heard.push(session.sessionId)
    }
    emitter.on('session:initiated', listener)
    cleanup(() => emitter.off('session:initiated', listener))
    ;(await browser.get('/api/v1/me')).assertStatus(200)
    emitter.off('session:initiated', listener)
    ;(await browser.get('/api/v1/me')).assertStatus(200)
    assert.deepEqual(heard, [id])
  })

  test('a sign-out deletes the signed-in session and moves the browser to a fresh id', async ({
    client,
    assert,
  }) => {
    const { browser, sessions, row } = await signedIn(client)
    const stale = copyOf(client, browser)
    ;(await browser.post('/api/v1/auth/logout')).assertStatus(204)

    assert.lengthOf(await row(), 0, 'the signed-in row is gone')
    assert.notEqual(browser.cookies.get('portal-session'), stale.cookies.get('portal-session'))
    ;(await stale.get('/api/v1/me')).assertStatus(401)
    ;(await browser.get('/api/v1/me')).assertStatus(401)
    assert.lengthOf(await sessions(), 0, 'no session of the user is left')
  })
})

/**
 * With the per-process memory on (AUTH_CACHE_TTL, 1 s as in production):
 * a session's read is remembered, every change in this process applies at
 * once, a change elsewhere within the TTL.
 */
test.group('Session reads remembered for AUTH_CACHE_TTL', (group) => {
  isolateEachTest(group)
  withCredentialCache(group, 1_000)

  test("a signed-in browser's reads run no statement while its session and account are remembered", async ({
    client,
    assert,
  }) => {
    const { browser, id } = await signedIn(client)
    ;(await browser.get('/api/v1/me')).assertStatus(200)
    assert.exists(sessionRows.get(id))

    const statements = await statementsDuring(async () => {
      for (let read = 0; read < 3; read++) {
        ;(await browser.get('/api/v1/me')).assertStatus(200)
      }
    })
    assert.deepEqual(statements, [])
  })

  test('a remembered session is refused once past its stored expiry, and its row removed', async ({
    client,
    assert,
    cleanup,
  }) => {
    // Remembered far longer than it has left: only its stored expiry can end it.
    cleanup(setCredentialCacheTtl(60_000))
    const { browser, sessions, row } = await signedIn(client)
    // On a whole second: MariaDB's DATETIME keeps no fraction and truncates
    // it, so now + 800 ms could be stored as a second already past.
    const expiresAt = Math.ceil((Date.now() + 1_500) / 1_000) * 1_000
    await row().update({ expires_at: new Date(expiresAt) })
    ;(await browser.get('/api/v1/me')).assertStatus(200)

    await new Promise((resolve) => setTimeout(resolve, expiresAt + 200 - Date.now()))
    ;(await browser.get('/api/v1/me')).assertStatus(401)
    assert.lengthOf(await sessions(), 0)
  })

  test('data that does not verify for the session id reads as none, remembered or not', async ({
    client,
    assert,
  }) => {
    const { sessions, id } = await signedIn(client)
    const other = await signedIn(client)
    const [{ data }] = await other.sessions().select('data')
    await sessions().update({ data })

    const store = await sessionStores()
    assert.isNull(await store().read(id))
    assert.exists(sessionRows.get(id), 'the row as read is remembered')
    assert.isNull(await store().read(id))
    assert.property(await store().read(other.id), 'auth_web')
  })

  test('a sign-out, a password change and an erasure in this process refuse the old cookie at once', async ({
    client,
  }) => {
    const signedOut = await signedIn(client)
    const stale = copyOf(client, signedOut.browser)
    ;(await stale.get('/api/v1/me')).assertStatus(200)
    ;(await signedOut.browser.post('/api/v1/auth/logout')).assertStatus(204)
    ;(await stale.get('/api/v1/me')).assertStatus(401)

    const changing = await signedIn(client)
    const other = await signedIn(client, changing.user)
    ;(await other.browser.get('/api/v1/me')).assertStatus(200)
    ;(
      await changing.browser.put('/api/v1/me/password', {
        currentPassword: FACTORY_PASSWORD,
        newPassword: 'a-brand-new-password-42',
      })
    ).assertStatus(204)
    ;(await other.browser.get('/api/v1/me')).assertStatus(401)
    ;(await changing.browser.get('/api/v1/me')).assertStatus(200)

    const erased = await signedIn(client)
    ;(await erased.browser.get('/api/v1/me')).assertStatus(200)
    const erasure = await app.container.make(UserErasureService)
    await erasure.erase(null, erased.user.id, RequestOrigin.cli())
    ;(await erased.browser.get('/api/v1/me')).assertStatus(401)
  })

  test('a session deleted behind this process (another replica) is refused within AUTH_CACHE_TTL', async ({
    client,
    assert,
  }) => {
    const { browser, row } = await signedIn(client)
    ;(await browser.get('/api/v1/me')).assertStatus(200)

    await row().delete()
    const tookMs = await heldWithin(
      authCacheConfig.ttlMs + 1_000,
      async () => (await browser.get('/api/v1/me')).status() === 401
    )
    assert.isAtMost(tookMs, authCacheConfig.ttlMs + 1_000)
  })
})

/**
 * A request that writes a session it found must not put it back when it
 * was deleted in between (by a sign-out or a password change on another
 * replica): with the data read before, that would sign the browser in again.
 */
test.group('Session writes never bring back a deleted session', (group) => {
  isolateEachTest(group)

  for (const ttlMs of [0, 1_000]) {
    test(`a request whose session is deleted after its read writes nothing back (AUTH_CACHE_TTL ${ttlMs} ms)`, async ({
      client,
      assert,
      cleanup,
    }) => {
      cleanup(setCredentialCacheTtl(ttlMs))
      const { browser, id, row } = await signedIn(client)
      // The session without its CSRF secret, so that Shield puts one and the request writes it.
      const [{ data }] = await row().select('data')
      const values = new MessageBuilder().verify<Record<string, unknown>>(data, id)!
      delete values['csrf-secret']
      await row().update({ data: new MessageBuilder().build(values, undefined, id) })

      // Another replica deletes the session while this request holds what it read.
      const deleteBehind = ({ session }: { session: { sessionId: string } }) => {
        if (session.sessionId === id) {
          // Queued on the test's transaction before anything the request writes.
          void row().delete().exec()
        }
      }
      emitter.on('session:initiated', deleteBehind)
      cleanup(() => emitter.off('session:initiated', deleteBehind))

      const statements = await statementsDuring(async () => {
        ;(await browser.get('/api/v1/me')).assertStatus(200)
      })
      assert.isTrue(
        statements.some((sql) => /^update .sessions. set/i.test(sql)),
        `the request wrote its session: ${statements.join('\n')}`
      )
      assert.lengthOf(await row(), 0, 'the deleted session stays deleted')
      emitter.off('session:initiated', deleteBehind)
      ;(await browser.get('/api/v1/me')).assertStatus(401)
    })
  }

  test('a remembered session deleted elsewhere is neither written nor tagged back; a new id is inserted', async ({
    assert,
    client,
    cleanup,
  }) => {
    cleanup(setCredentialCacheTtl(60_000))
    const { user, id, row } = await signedIn(client)
    const store = await sessionStores()
    assert.property(await store().read(id), 'auth_web')

    // Deleted by another process: this one still remembers the session.
    await row().delete()
    const request = store()
    const values = (await request.read(id))!
    assert.property(values, 'auth_web', 'read from memory')
    await request.write(id, { ...values, seen: true })
    await request.tag(id, user.id)
    assert.lengthOf(await row(), 0)

    const regenerated = randomUUID()
    await store().write(regenerated, values)
    await store().tag(regenerated, user.id)
    const [inserted] = await db.from('sessions').where('id', regenerated)
    assert.equal(inserted.user_id, String(user.id))
    assert.deepEqual(await store().read(regenerated), values)
  })
})
