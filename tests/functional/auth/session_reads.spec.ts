import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import { createUser, FACTORY_PASSWORD } from '#database/factories/user_factory'
import { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'
import { statementsDuring } from '#tests/helpers/statements'

/**
 * How a signed-in browser's session is read on each request
 * (app/models/prepared_session_reads.ts): one prepared statement by the
 * session's id, with the package's answers for an expired or a tampered
 * session.
 */
test.group('Session reads', (group) => {
  isolateEachTest(group)

  async function signedIn(client: ConstructorParameters<typeof ApiSession>[0]) {
    const user = await createUser()
    const browser = new ApiSession(client)
    ;(await browser.login(user.username, FACTORY_PASSWORD)).assertStatus(200)
    const sessions = () => db.from('sessions').where('user_id', String(user.id))
    return { browser, sessions }
  }

  test('a read of a signed-in browser reads its session in one statement, by id, without a LIMIT', async ({
    client,
    assert,
  }) => {
    const { browser } = await signedIn(client)
    ;(await browser.get('/api/v1/me')).assertStatus(200)

    const statements = await statementsDuring(async () => {
      ;(await browser.get('/api/v1/me')).assertStatus(200)
    })
    // (The account behind it is remembered for AUTH_CACHE_TTL, 0 in tests: read too.)
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
})
