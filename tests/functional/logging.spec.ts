import { readFile } from 'node:fs/promises'
import { test } from '@japa/runner'
import logger from '@adonisjs/core/services/logger'
import env from '#start/env'
import { createUser, FACTORY_PASSWORD } from '#database/factories/user_factory'
import { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'
import { testUserOffice } from '#tests/helpers/test_user_office'

/* .env.test sends the logs to LOG_FILE (synchronously), which this reads. */
const LOG_FILE = env.get('LOG_FILE')!

async function logLines() {
  const text = await readFile(LOG_FILE, 'utf8')
  return {
    text,
    entries: text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line)),
  }
}

test.group('Structured logs', (group) => {
  isolateEachTest(group)

  test('secrets sent through sign-in and tokens never reach the log', async ({
    client,
    assert,
  }) => {
    const password = 'Pw-that-must-never-be-logged-7731'
    const user = await createUser({ password })
    const browser = new ApiSession(client)
    await browser.login(user.username, password)
    await browser.login(user.username, `${password}-wrong`)
    const { token } = (
      await browser.post('/api/v1/auth/tokens', { name: 'x', expiresInDays: 1 })
    ).body().data
    await ApiSession.withToken(client, token).get('/api/v1/me')
    await ApiSession.withToken(client, `${token}-tampered`).get('/api/v1/me')
    const sessionCookie = browser.cookies.get('portal-session')!

    const { text, entries } = await logLines()
    assert.notInclude(text, password)
    assert.notInclude(text, token.slice(3))
    assert.notInclude(text, decodeURIComponent(sessionCookie).slice(2, 40))
    assert.isTrue(
      entries.some(
        (entry) => entry.msg === 'request completed' && entry.path === '/api/v1/auth/login'
      )
    )
  })

  test('redacts secret keys wherever a log call puts them', async ({ assert }) => {
    logger.info(
      {
        password: 'top-level-secret-1',
        user: { token: 'nested-secret-2', name: 'visible-name' },
        request: {
          headers: { authorization: 'Bearer nested-secret-3', cookie: 'nested-secret-4' },
        },
        environment: { vncPassword: 'nested-secret-5' },
      },
      'redaction probe'
    )
    const { text, entries } = await logLines()
    for (let index = 1; index <= 5; index++) {
      assert.notInclude(text, `secret-${index}`)
    }
    const probe = entries.find((entry) => entry.msg === 'redaction probe')
    assert.equal(probe.password, '[REDACTED]')
    assert.equal(probe.user.name, 'visible-name')
    assert.equal(probe.request.headers.authorization, '[REDACTED]')
  })

  test('redacts SAML messages, eaa_hash and PORTAL_SECRET at any depth', async ({ assert }) => {
    const nested = { a: { b: { c: { d: { e: { SAMLRequest: 'deep-secret-9' } } } } } }
    logger.info(
      {
        saml: nested,
        relay: { RelayState: 'relay-secret-10' },
        form: [{ eaa_hash: 'array-secret-11' }],
        env: { PORTAL_SECRET: 'env-secret-12' },
        visible: { e: 'kept' },
      },
      'deep redaction probe'
    )
    const { text, entries } = await logLines()
    for (let index = 9; index <= 12; index++) {
      assert.notInclude(text, `secret-${index}`)
    }
    const probe = entries.findLast((entry) => entry.msg === 'deep redaction probe')
    assert.equal(probe.saml.a.b.c.d.e.SAMLRequest, '[REDACTED]')
    assert.equal(probe.relay.RelayState, '[REDACTED]')
    assert.equal(probe.visible.e, 'kept')
  })

  test('each request line is JSON carrying its request id', async ({ client, assert }) => {
    await client.get('/api/v1/me').header('X-Request-Id', 'log-correlation-42')
    const { entries } = await logLines()
    const line = entries.find((entry) => entry.request_id === 'log-correlation-42')
    assert.exists(line)
    assert.equal(line.status, 401)
    assert.equal(line.route, '/api/v1/me')
    assert.notProperty(line, 'user_id')
  })

  test('a replaced request id is the one its request line carries, not the one sent', async ({
    client,
    assert,
  }) => {
    // The log file outlives a run (and other specs send such values): a value of this run's own.
    const evil = `evil value ${Date.now()}`
    const sent = `${evil}"}{"admin":true`
    const response = await client.get('/health/live').header('X-Request-Id', sent)
    const issued = response.header('x-request-id')
    assert.match(issued ?? '', /^[0-9a-f-]{36}$/)
    const { text, entries } = await logLines()
    const line = entries.find((entry) => entry.request_id === issued)
    assert.exists(line)
    assert.equal(line.msg, 'request completed')
    assert.equal(line.route, '/health/live')
    assert.notInclude(text, evil)
  })

  test('each line carries an ISO 8601 time in UTC, as pino formats it', async ({
    client,
    assert,
  }) => {
    const before = Date.now()
    // The log file outlives a run: an id of this run's own.
    const requestId = `log-time-${before}`
    await client.get('/health/live').header('X-Request-Id', requestId)
    const { entries } = await logLines()
    const line = entries.find((entry) => entry.request_id === requestId)
    assert.match(line.time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
    const time = Date.parse(line.time)
    assert.isAtLeast(time, before)
    assert.isAtMost(time, Date.now())
  })

  test('a signed-in request line names the user by id, and nothing secret', async ({
    client,
    assert,
  }) => {
    const user = await createUser()
    const browser = new ApiSession(client)
    ;(await browser.login(user.username, FACTORY_PASSWORD)).assertStatus(200)
    const { token } = (
      await browser.post('/api/v1/auth/tokens', { name: 'log probe', expiresInDays: 1 })
    ).body().data
    await browser.request('GET', '/api/v1/me').header('X-Request-Id', 'log-session-43')
    await ApiSession.withToken(client, token)
      .request('GET', '/api/v1/me')
      .header('X-Request-Id', 'log-token-44')

    const { text, entries } = await logLines()
    for (const requestId of ['log-session-43', 'log-token-44']) {
      const line = entries.find(
        (entry) => entry.request_id === requestId && entry.msg === 'request completed'
      )
      assert.exists(line, requestId)
      assert.equal(line.status, 200)
      assert.equal(line.user_id, user.id)
      assert.notProperty(line, 'userId')
    }
    assert.notInclude(text, token.slice(3))
    assert.notInclude(text, FACTORY_PASSWORD)
  })

  test('a failed sign-in sync is logged with the reason: message and code', async ({
    client,
    assert,
  }) => {
    testUserOffice.addAccount({ username: 'sync-log-probe', password: 'uo-password' })
    testUserOffice.setFault({ kind: 'status', status: 502 }, 'experiments')
    ;(await new ApiSession(client).login('sync-log-probe', 'uo-password')).assertStatus(200)

    const { entries } = await logLines()
    const line = entries.findLast((entry) => entry.msg === 'experiment sync at sign-in failed')
    assert.exists(line)
    assert.equal(line.err.code, 'E_USER_OFFICE_UNAVAILABLE')
    assert.isString(line.err.message)
    assert.isNotEmpty(line.err.message)
  })

  test('an error is logged as what it is and why, never with the request it carried', async ({
    assert,
  }) => {
    const error = Object.assign(new Error('probe: connect ECONNREFUSED'), {
      code: 'ECONNREFUSED',
      config: { auth: { username: 'svc', password: 'error-secret-6' } },
      request: { headers: { Authorization: 'Basic error-secret-7' } },
      response: { data: { detail: 'error-secret-8' } },
      cause: new TypeError('probe: the cause'),
    })
    logger.warn({ err: error }, 'error probe')

    const { text, entries } = await logLines()
    const line = entries.findLast((entry) => entry.msg === 'error probe')
    assert.deepInclude(line.err, {
      type: 'Error',
      message: 'probe: connect ECONNREFUSED',
      code: 'ECONNREFUSED',
    })
    assert.equal(line.err.cause.message, 'probe: the cause')
    for (let index = 6; index <= 8; index++) {
      assert.notInclude(text, `error-secret-${index}`)
    }
  })
})
