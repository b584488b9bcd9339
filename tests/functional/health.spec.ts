import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import type { MysqlConfig } from '@adonisjs/lucid/types/database'
import accessConfig from '#config/access'
import healthConfig from '#config/health'
import { GUACAMOLE_CONNECTION } from '#services/access/guacamole_db_broker'
import { ApiSession } from '#tests/helpers/api_session'
import { testUserOffice } from '#tests/helpers/test_user_office'

type Check = { name: string; status: string; message: string; required: boolean }

async function readiness(session: ApiSession) {
  const response = await session.get('/health/ready')
  const checks = response.body().checks as Check[]
  return {
    status: response.status(),
    body: response.body(),
    check: (name: string) => checks.find((check) => check.name === name),
  }
}

test.group('Health', () => {
  test('liveness answers without touching the database', async ({ client, assert }) => {
    const response = await new ApiSession(client).get('/health/live')
    response.assertStatus(200)
    assert.deepEqual(response.body(), { status: 'ok' })
  })

  test('readiness reports the database, the engines and every configured outside system', async ({
    client,
    assert,
  }) => {
    const response = await new ApiSession(client).get('/health/ready')
    response.assertStatus(200)
    assert.equal(response.body().status, 'ok')
    assert.deepEqual(
      response.body().checks.map((check: Check) => [check.name, check.status, check.required]),
      [
        ['database', 'ok', true],
        ['compute', 'ok', true],
        ['user_office', 'ok', false],
        ['guacamole_db', 'ok', false],
        ['guacamole_api', 'ok', false],
      ]
    )
  })

  test('probes create no session and set no cookies', async ({ client, assert }) => {
    const response = await client.get('/health/ready')
    assert.isUndefined(response.headers()['set-cookie'])
  })
})

test.group('Health: optional outside systems degrade readiness', (group) => {
  group.each.teardown(() => testUserOffice.reset())

  test('a User Office that fails, resets or hangs degrades readiness with the reason, within the probe bound', async ({
    client,
    assert,
  }) => {
    const session = new ApiSession(client)
    testUserOffice.setFault({ kind: 'status', status: 502 }, 'login')
    let ready = await readiness(session)
    assert.equal(ready.status, 200)
    assert.equal(ready.body.status, 'degraded')
    assert.deepInclude(ready.check('user_office'), {
      status: 'error',
      message: 'The User Office answers 502',
      required: false,
    })
    assert.equal(ready.check('database')?.status, 'ok')

    testUserOffice.setFault({ kind: 'reset' }, 'login')
    ready = await readiness(session)
    assert.equal(ready.body.status, 'degraded')
    assert.match(ready.check('user_office')!.message, /cannot be reached \(ECONNRESET\)/)

    // USER_OFFICE_TIMEOUT is 1 s in the tests; the probe waits no longer than that.
    testUserOffice.setFault(null, 'login')
    testUserOffice.delayMs = 5000
    const startedAt = Date.now()
    ready = await readiness(session)
    assert.isBelow(Date.now() - startedAt, 2500)
    assert.equal(ready.status, 200)
    assert.equal(ready.check('user_office')?.message, 'The User Office did not answer within 1 s')

    testUserOffice.reset()
    ready = await readiness(session)
    assert.equal(ready.body.status, 'ok')
  })

  test('a failing system named in HEALTH_REQUIRED_CHECKS makes the process not ready', async ({
    client,
    assert,
    cleanup,
  }) => {
    healthConfig.required.add('user_office')
    cleanup(() => {
      healthConfig.required.delete('user_office')
    })
    testUserOffice.setFault({ kind: 'status', status: 503 }, 'login')
    const ready = await readiness(new ApiSession(client))
    assert.equal(ready.status, 503)
    assert.equal(ready.body.status, 'error')
    assert.deepInclude(ready.check('user_office'), { status: 'error', required: true })
  })

  test('a wrong Guacamole database password shows in readiness, before anyone opens an environment', async ({
    client,
    assert,
    cleanup,
  }) => {
    const config = db.manager.get(GUACAMOLE_CONNECTION)!.config as MysqlConfig
    db.manager.patch(GUACAMOLE_CONNECTION, {
      ...config,
      connection: { ...config.connection, password: 'not-the-password' },
    })
    cleanup(async () => {
      db.manager.patch(GUACAMOLE_CONNECTION, config)
    })

    const ready = await readiness(new ApiSession(client))
    assert.equal(ready.status, 200)
    assert.equal(ready.body.status, 'degraded')
    const check = ready.check('guacamole_db')!
    assert.equal(check.status, 'error')
    assert.include(check.message, 'ER_ACCESS_DENIED_ERROR')
    assert.include(check.message, 'GUACAMOLE_DB_PASSWORD')
    assert.notInclude(JSON.stringify(ready.body), 'not-the-password')

    healthConfig.required.add('guacamole_db')
    cleanup(() => {
      healthConfig.required.delete('guacamole_db')
    })
    assert.equal((await readiness(new ApiSession(client))).status, 503)
  })

  test("a Guacamole API URL that is not Guacamole's web application shows in readiness", async ({
    client,
    assert,
    cleanup,
  }) => {
    const apiUrl = accessConfig.guacamole.apiUrl
    accessConfig.guacamole.apiUrl = `${apiUrl}/not-here`
    cleanup(() => {
      accessConfig.guacamole.apiUrl = apiUrl
    })
    const ready = await readiness(new ApiSession(client))
    assert.equal(ready.status, 200)
    assert.deepInclude(ready.check('guacamole_api'), { status: 'error', required: false })
    assert.include(ready.check('guacamole_api')!.message, 'answers 404')
    assert.equal(ready.check('guacamole_db')?.status, 'ok')
  })
})
