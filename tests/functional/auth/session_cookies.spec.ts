import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import type { ApiResponse } from '@japa/api-client'
import { FACTORY_PASSWORD } from '#database/factories/user_factory'
import { signedInBrowser } from '#tests/helpers/signed_in_browser'
import { isolateEachTest } from '#tests/helpers/isolation'
import { statementsDuring } from '#tests/helpers/statements'

/*
 * When a signed-in browser gets its cookies back
 * (app/middleware/seldom_sent_session_cookies.ts, ADR 13): the session
 * cookie when the session changes or its expiry is due to slide (at most
 * once a minute, with the stored expiry), the XSRF cookie with it or when
 * the browser has none. CSRF checks themselves are Shield's
 * (tests/functional/security/web_attacks.spec.ts, login.spec.ts).
 */

/** The names of the cookies a response sets. */
function cookiesSet(response: ApiResponse) {
  return [response.headers()['set-cookie'] ?? []]
    .flat()
    .map((line: string) => line.split('=')[0])
    .sort()
}

/** Runs `work` with the process's clock `ms` ahead (the portal runs in this process). */
async function withClockAhead<T>(ms: number, work: () => Promise<T>) {
  const realNow = Date.now
  Date.now = () => realNow() + ms
  try {
    return await work()
  } finally {
    Date.now = realNow
  }
}

const PAST_THE_REFRESH_INTERVAL = 61_000

test.group('Session cookies', (group) => {
  isolateEachTest(group)

  test('a read with a fresh session cookie sends no cookie back and writes nothing', async ({
    client,
    assert,
  }) => {
    const { browser } = await signedInBrowser(client)
    const held = new Map(browser.cookies)

    const statements = await statementsDuring(async () => {
      for (const path of ['/api/v1/me', '/api/v1/experiments', '/api/v1/me']) {
        const answer = await browser.get(path)
        answer.assertStatus(200)
        assert.deepEqual(cookiesSet(answer), [], path)
      }
    })
    assert.deepEqual(
      statements.filter((sql) => !/^\s*select\b/i.test(sql)),
      [],
      'no statement but reads'
    )
    assert.deepEqual(browser.cookies, held)
  })

  test('a read past the refresh interval sends both cookies again and moves the stored expiry, once', async ({
    client,
    assert,
  }) => {
    const { browser, expiry } = await signedInBrowser(client)
    const signedInExpiry = await expiry()

    await withClockAhead(PAST_THE_REFRESH_INTERVAL, async () => {
      const refreshed = await browser.get('/api/v1/me')
      refreshed.assertStatus(200)
      assert.deepEqual(cookiesSet(refreshed), ['XSRF-TOKEN', 'portal-session'])
      const sessionCookie = [refreshed.headers()['set-cookie']]
        .flat()
        .find((line: string) => line.startsWith('portal-session='))
      // The browser's copy slides with the stored expiry: the session's age (.env.test: 2h).
      assert.match(sessionCookie ?? '', /;\s*Max-Age=7200\b/i)
      assert.isAtLeast(await expiry(), signedInExpiry + PAST_THE_REFRESH_INTERVAL - 1000)

      const next = await browser.get('/api/v1/me')
      next.assertStatus(200)
      assert.deepEqual(cookiesSet(next), [], 'not again within the interval')
    })

    // The cookies sent at the refresh still work, for reads and unsafe requests.
    ;(await browser.get('/api/v1/me')).assertStatus(200)
    ;(
      await browser.post('/api/v1/auth/tokens', { name: 'after the refresh', expiresInDays: 1 })
    ).assertStatus(201)
  })

  test('an expired session is refused, whatever cookie the browser still holds', async ({
    client,
    assert,
  }) => {
    const { user, browser } = await signedInBrowser(client)
    await db
      .from('sessions')
      .where('user_id', String(user.id))
      .update({ expires_at: new Date(Date.now() - 1000) })

    ;(await browser.get('/api/v1/me')).assertStatus(401)
    ;(await browser.get('/api/v1/me')).assertStatus(401)
    assert.lengthOf(await db.from('sessions').where('user_id', String(user.id)), 0)
    // Signing in again works with the cookies the refusals left.
    ;(await browser.login(user.username, FACTORY_PASSWORD)).assertStatus(200)
    ;(await browser.get('/api/v1/me')).assertStatus(200)
  })

  test('a browser without the XSRF cookie gets it on its next read, and it works', async ({
    client,
    assert,
  }) => {
    const { browser } = await signedInBrowser(client)
    browser.cookies.delete('XSRF-TOKEN')

    const read = await browser.get('/api/v1/me')
    read.assertStatus(200)
    assert.deepEqual(cookiesSet(read), ['XSRF-TOKEN'])
    ;(
      await browser.post('/api/v1/auth/tokens', { name: 'new xsrf', expiresInDays: 1 })
    ).assertStatus(201)
  })

  test('the XSRF cookie held since sign-in passes unsafe requests until sign-out, whose new one the next sign-in needs', async ({
    client,
    assert,
  }) => {
    const { user, browser } = await signedInBrowser(client)
    const signInXsrf = browser.cookies.get('XSRF-TOKEN')

    for (const name of ['one', 'two']) {
      ;(await browser.get('/api/v1/me')).assertStatus(200)
      ;(await browser.post('/api/v1/auth/tokens', { name, expiresInDays: 1 })).assertStatus(201)
    }
    assert.equal(browser.cookies.get('XSRF-TOKEN'), signInXsrf)

    const signOut = await browser.post('/api/v1/auth/logout')
    signOut.assertStatus(204)
    assert.includeMembers(cookiesSet(signOut), ['XSRF-TOKEN', 'portal-session'])
    ;(await browser.get('/api/v1/me')).assertStatus(401)
    ;(
      await browser.post('/api/v1/auth/login', {
        username: user.username,
        password: FACTORY_PASSWORD,
      })
    ).assertStatus(200)
  })

  test('GET /auth/csrf always sets the XSRF cookie; a refused unsafe request sets it as Shield did', async ({
    client,
    assert,
  }) => {
    const { browser } = await signedInBrowser(client)
    const issued = await browser.get('/api/v1/auth/csrf')
    issued.assertStatus(204)
    assert.include(cookiesSet(issued), 'XSRF-TOKEN')

    browser.sendCsrfHeader = false
    const refused = await browser.request('POST', '/api/v1/auth/logout')
    refused.assertStatus(403)
    assert.deepEqual(cookiesSet(refused), ['XSRF-TOKEN'])
    browser.sendCsrfHeader = true
    ;(await browser.get('/api/v1/me')).assertStatus(200)
  })
})
