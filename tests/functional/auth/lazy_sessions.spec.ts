import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import { createUser, FACTORY_PASSWORD } from '#database/factories/user_factory'
import { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'
import { signedInBrowser } from '#tests/helpers/signed_in_browser'
import { statementsDuring } from '#tests/helpers/statements'

async function sessionRows() {
  const [{ total }] = await db.from('sessions').count('* as total')
  return Number(total)
}

test.group('Lazy sessions', (group) => {
  isolateEachTest(group)

  test('anonymous requests leave no session row and no cookie behind', async ({
    client,
    assert,
  }) => {
    const before = await sessionRows()
    const anonymous = new ApiSession(client)
    const requests: [string, 'GET' | 'POST', number][] = [
      ['/health/live', 'GET', 200],
      ['/', 'GET', 200],
      ['/api/v1/me', 'GET', 401],
      ['/api/v1/environments', 'GET', 401],
      ['/api/v1/auth/providers', 'GET', 200],
      ['/api/v1/environments', 'POST', 403],
    ]
    for (const [url, method, status] of requests) {
      const response = await anonymous.request(method, url)
      assert.equal(response.status(), status, `${method} ${url}`)
      assert.notProperty(response.headers(), 'set-cookie', `${method} ${url}`)
    }
    assert.equal(await sessionRows(), before)
    assert.equal(anonymous.cookies.size, 0)
  })

  test('the XSRF cookie and sign-in still start a session, which then works as before', async ({
    client,
    assert,
  }) => {
    const user = await createUser()
    const browser = new ApiSession(client)
    ;(await browser.get('/api/v1/auth/csrf')).assertStatus(204)
    assert.isTrue(browser.cookies.has('XSRF-TOKEN'))
    assert.isTrue(browser.cookies.has('portal-session'))
    ;(
      await browser.post('/api/v1/auth/login', {
        username: user.username,
        password: FACTORY_PASSWORD,
      })
    ).assertStatus(200)
    ;(await browser.get('/api/v1/me')).assertStatus(200)
    assert.isAtLeast(await sessionRows(), 1)
  })

  test("a signed-in browser's reads do not write; its session's expiry moves at most once a minute", async ({
    client,
    assert,
  }) => {
    const { user, browser, expiry } = await signedInBrowser(client)
    // As if the last touch were long ago: the session's expiry is behind by an hour.
    const stored = await expiry()
    await db
      .from('sessions')
      .where('user_id', String(user.id))
      .update({ expires_at: new Date(stored - 3_600_000) })

    const reads = await statementsDuring(async () => {
      for (const path of [
        '/api/v1/me',
        '/api/v1/experiments',
        '/api/v1/environments',
        '/api/v1/me',
      ]) {
        ;(await browser.get(path)).assertStatus(200)
      }
    })
    const writes = reads.filter((sql) => !/^\s*select\b/i.test(sql))
    assert.deepEqual(writes, [], 'no statement but reads')
    assert.equal(await expiry(), stored - 3_600_000, 'the sign-in moved the expiry a moment ago')
  })
})
