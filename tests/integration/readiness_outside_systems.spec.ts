import { rm } from 'node:fs/promises'
import { test } from '@japa/runner'
import env from '#start/env'
import {
  freePort,
  HttpBrowser,
  PortalProcess,
  runNode,
  scratchDir,
} from '#tests/helpers/portal_process'
import { UserOfficeServer } from '#tests/helpers/user_office_server'

const SERVER = ['--import=@poppinss/ts-exec', 'bin/server.ts']

type Check = { name: string; status: string; message: string; required: boolean }

/**
 * A portal on SQLite (its own data folder) whose Guacamole database
 * account has the wrong password and whose User Office listens nowhere;
 * Guacamole's web application is the run's fake one.
 */
async function misconfiguredPortalEnv(dataDir: string): Promise<Record<string, string>> {
  return {
    DATA_DIR: dataDir,
    PORTAL_INSTANCE_ID: `readiness-${Math.random().toString(36).slice(2, 8)}`,
    JOBS_ENABLED: 'false',
    DOCKER_SOCKET: process.env.DOCKER_SOCKET ?? '/var/run/docker.sock',
    ACCESS_BROKER: 'guacamole-db',
    GUACAMOLE_URL: env.get('GUACAMOLE_URL')!,
    GUACAMOLE_DB_HOST: env.get('GUACAMOLE_DB_HOST', '127.0.0.1'),
    GUACAMOLE_DB_PORT: String(env.get('GUACAMOLE_DB_PORT', 3306)),
    GUACAMOLE_DB_USER: env.get('GUACAMOLE_DB_USER', 'root'),
    GUACAMOLE_DB_PASSWORD: 'certainly-not-the-password',
    GUACAMOLE_DB_DATABASE: env.get('GUACAMOLE_DB_DATABASE', 'guacamole_test'),
    USER_OFFICE_ENABLED: 'true',
    USER_OFFICE_LOGIN_URL: `http://127.0.0.1:${await freePort()}/login`,
    USER_OFFICE_TIMEOUT: '1',
  }
}

async function readinessOf(portal: PortalProcess) {
  const answer = await new HttpBrowser(portal.baseUrl).request('GET', '/health/ready')
  const checks = answer.body.checks as Check[]
  return {
    status: answer.status,
    body: answer.body,
    check: (name: string) => checks.find((check) => check.name === name),
  }
}

test.group('Readiness of the outside systems (real portal processes)', () => {
  test('a wrong Guacamole database password and a User Office that is down degrade readiness, or fail it when required', async ({
    assert,
    cleanup,
  }) => {
    const dataDirs = [await scratchDir('ready'), await scratchDir('ready')]
    cleanup(async () => {
      await Promise.all(dataDirs.map((dir) => rm(dir, { recursive: true, force: true })))
    })
    const [optional, required] = await Promise.all([
      misconfiguredPortalEnv(dataDirs[0]).then((portalEnv) => PortalProcess.start(portalEnv)),
      misconfiguredPortalEnv(dataDirs[1]).then((portalEnv) =>
        PortalProcess.start({ ...portalEnv, HEALTH_REQUIRED_CHECKS: 'compute, guacamole_db' })
      ),
    ])
    cleanup(async () => {
      await Promise.all([optional.stop(), required.stop()])
    })

    const degraded = await readinessOf(optional)
    assert.equal(degraded.status, 200, JSON.stringify(degraded.body))
    assert.equal(degraded.body.status, 'degraded')
    assert.deepInclude(degraded.check('database'), { status: 'ok', required: true })
    assert.deepInclude(degraded.check('guacamole_db'), { status: 'error', required: false })
    assert.include(degraded.check('guacamole_db')!.message, 'ER_ACCESS_DENIED_ERROR')
    assert.deepInclude(degraded.check('user_office'), { status: 'error', required: false })
    assert.include(degraded.check('user_office')!.message, 'ECONNREFUSED')
    assert.deepInclude(degraded.check('guacamole_api'), { status: 'ok', required: false })
    assert.notInclude(JSON.stringify(degraded.body), 'certainly-not-the-password')

    const notReady = await readinessOf(required)
    assert.equal(notReady.status, 503, JSON.stringify(notReady.body))
    assert.equal(notReady.body.status, 'error')
    assert.deepInclude(notReady.check('guacamole_db'), { status: 'error', required: true })
    assert.deepInclude(notReady.check('user_office'), { status: 'error', required: false })
    for (const portal of [optional, required]) {
      assert.notInclude(portal.stdout + portal.stderr, 'certainly-not-the-password')
    }
  })

  test('a probe waiting for a slow User Office answers 503 at once when shutdown begins', async ({
    assert,
    cleanup,
  }) => {
    const dataDir = await scratchDir('ready')
    cleanup(() => rm(dataDir, { recursive: true, force: true }))
    const userOffice = new UserOfficeServer()
    await userOffice.start()
    cleanup(() => userOffice.stop())
    const portal = await PortalProcess.start({
      ...userOffice.portalEnv(),
      DATA_DIR: dataDir,
      JOBS_ENABLED: 'false',
      ACCESS_BROKER: 'none',
      USER_OFFICE_TIMEOUT: '5',
    })
    cleanup(() => portal.stop())

    // The probe's User Office check waits (up to 2 s) for an answer that takes 10 s.
    userOffice.delayMs = 10_000
    const probe = new HttpBrowser(portal.baseUrl).request('GET', '/health/ready')
    const deadline = Date.now() + 5000
    while (userOffice.requestsTo('login') === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    assert.equal(userOffice.requestsTo('login'), 1, 'the probe reached the User Office')
    const terminatedAt = Date.now()
    const exited = portal.kill('SIGTERM')
    const answer = await probe
    assert.isBelow(Date.now() - terminatedAt, 1000)
    assert.equal(answer.status, 503)
    assert.deepEqual(
      answer.body.checks.map((check: Check) => check.name),
      ['shutdown']
    )
    assert.equal((await exited).code, 0)
  })

  test('HEALTH_REQUIRED_CHECKS and the Guacamole names of PORTAL_INSTANCE_ID are checked at boot', async ({
    assert,
    cleanup,
  }) => {
    const dataDir = await scratchDir('ready')
    cleanup(() => rm(dataDir, { recursive: true, force: true }))
    const cases: [Record<string, string>, string][] = [
      [
        { HEALTH_REQUIRED_CHECKS: 'database,guacamole' },
        'Invalid environment variable "HEALTH_REQUIRED_CHECKS": unknown check "guacamole"',
      ],
      [
        // The User Office is not enabled: there is nothing to require.
        { HEALTH_REQUIRED_CHECKS: 'database,user_office' },
        '"user_office" is not checked in this configuration',
      ],
      [
        { PORTAL_INSTANCE_ID: 'p'.repeat(101) },
        'Invalid environment variable "PORTAL_INSTANCE_ID": is too long',
      ],
      [
        { PORTAL_INSTANCE_ID: 'portal-\u{1F52C}' },
        'Invalid environment variable "PORTAL_INSTANCE_ID": has characters Guacamole cannot store',
      ],
    ]
    const results = await Promise.all(
      cases.map(([variables]) => runNode(SERVER, { DATA_DIR: dataDir, ...variables }))
    )
    results.forEach((result, index) => {
      assert.notEqual(result.code, 0)
      assert.include(result.stdout + result.stderr, cases[index][1])
    })
  })
})
