import { once } from 'node:events'
import { rm } from 'node:fs/promises'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { test } from '@japa/runner'
import { HttpBrowser, PortalProcess, scratchDir } from '#tests/helpers/portal_process'
import { makeExperiments, UserOfficeServer } from '#tests/helpers/user_office_server'
import { scratchPortalDatabase } from '#tests/helpers/scratch_portal_database'

/** USER_OFFICE_TIMEOUT of the portal under test, in ms. */
const TIMEOUT_MS = 1000
/** What a loaded test machine may add to a bounded answer. */
const MARGIN_MS = 1500

/**
 * A loopback TCP front of the User Office's experiments endpoint that can
 * forward, hold every connection without a byte in answer (a hung
 * service), or stop listening (a service that is down).
 */
class ExperimentsFront {
  mode: 'forward' | 'hang' = 'forward'
  #server: Server | null = null
  #sockets = new Set<Socket>()
  port = 0

  constructor(readonly targetPort: number) {}

  async listen() {
    const server = createServer((client) => {
      this.#sockets.add(client)
      client.on('close', () => this.#sockets.delete(client))
      client.on('error', () => client.destroy())
      if (this.mode === 'hang') {
        return
      }
      const upstream = connect(this.targetPort, '127.0.0.1')
      this.#sockets.add(upstream)
      upstream.on('close', () => this.#sockets.delete(upstream))
      upstream.on('error', () => client.destroy())
      client.on('close', () => upstream.destroy())
      client.pipe(upstream).pipe(client)
    })
    server.listen(this.port, '127.0.0.1')
    await once(server, 'listening')
    this.port = (server.address() as { port: number }).port
    this.#server = server
  }

  async close() {
    const server = this.#server
    this.#server = null
    this.#sockets.forEach((socket) => socket.destroy())
    if (server) {
      await new Promise((resolve) => server.close(resolve))
    }
  }
}

/** Times one password sign-in through a fresh browser. */
async function timedLogin(baseUrl: string, username: string, password: string) {
  const browser = new HttpBrowser(baseUrl, 30_000)
  await browser.request('GET', '/api/v1/auth/csrf')
  const startedAt = Date.now()
  const answer = await browser.request('POST', '/api/v1/auth/login', { username, password })
  return { ...answer, elapsedMs: Date.now() - startedAt, finishedAt: Date.now(), browser }
}

/**
 * A real portal process and a real User Office server that turns slow or
 * goes away, measured from outside. The in-process functional tests
 * cover each bad answer; these add what only shows end to end: bounds
 * under concurrency, a service that is not listening at all, a sign-in
 * whose experiment sync hangs, and recovery.
 */
test.group('Faults: the User Office is slow or down', (group) => {
  const userOffice = new UserOfficeServer()
  let front: ExperimentsFront
  let portal: PortalProcess
  let database: Awaited<ReturnType<typeof scratchPortalDatabase>>

  group.setup(async () => {
    await userOffice.start()
    front = new ExperimentsFront(Number(new URL(userOffice.baseUrl).port))
    await front.listen()
    database = await scratchPortalDatabase('uo_fault')
    const dataDir = await scratchDir('faults-uo')
    // The test ages the user's last sync in the database behind the process's back; a
    // remembered signed-in user would still show the fresh time for up to AUTH_CACHE_TTL.
    portal = await PortalProcess.start(
      {
        ...database.portalEnv,
        ...userOffice.portalEnv(),
        USER_OFFICE_EXPERIMENTS_URL: `http://127.0.0.1:${front.port}/users/$USERNAME/experiments`,
        USER_OFFICE_TIMEOUT: String(TIMEOUT_MS / 1000),
        APP_KEY: 'an-app-key-for-the-user-office-fault-test',
        DATA_DIR: dataDir,
        PORTAL_ADMIN_USERNAME: 'uo-fault-admin',
        PORTAL_ADMIN_PASSWORD: 'a-long-password-for-the-uo-fault-test',
        // Outages count against the address: this test makes many attempts from loopback.
        LOGIN_THROTTLE_ACCOUNT_ATTEMPTS: '1000',
        LOGIN_THROTTLE_ADDRESS_ATTEMPTS: '1000',
        JOBS_ENABLED: 'false',
        ACCESS_BROKER: 'none',
      },
      { credentialCache: false }
    )
    return async () => {
      await portal.stop()
      await front.close()
      await userOffice.stop()
      await database.drop()
      await rm(dataDir, { recursive: true, force: true })
    }
  })
  group.each.setup(() => {
    userOffice.reset()
    front.mode = 'forward'
  })

  test('eight sign-ins against a User Office slower than the timeout each answer 503 within the timeout; the rest of the portal stays fast', async ({
    assert,
  }) => {
    const accounts = Array.from({ length: 8 }, (_, index) => `slow-${index}`)
    for (const username of accounts) {
      userOffice.addAccount({ username, password: 'uo-password' })
    }
    userOffice.delayMs = 10_000

    const admin = new HttpBrowser(portal.baseUrl)
    assert.equal(
      (await admin.login('uo-fault-admin', 'a-long-password-for-the-uo-fault-test')).status,
      200
    )
    const signIns = Promise.all(
      accounts.map((username) => timedLogin(portal.baseUrl, username, 'uo-password'))
    )
    // Once all eight wait for the User Office, a local account is not held up by them.
    while (userOffice.requestsTo('login') < accounts.length) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    const meStartedAt = Date.now()
    const me = await admin.request('GET', '/api/v1/me')
    const meFinishedAt = Date.now()
    const meMs = meFinishedAt - meStartedAt
    const answers = await signIns

    for (const answer of answers) {
      assert.equal(answer.status, 503)
      assert.deepEqual(
        answer.body.errors.map((error: { code: string }) => error.code),
        ['E_USER_OFFICE_UNAVAILABLE']
      )
      assert.isAtLeast(answer.elapsedMs, TIMEOUT_MS - 100)
      assert.isBelow(answer.elapsedMs, TIMEOUT_MS + MARGIN_MS)
    }
    assert.equal(me.status, 200)
    assert.isBelow(meMs, TIMEOUT_MS)
    assert.isAtMost(meFinishedAt, Math.min(...answers.map((answer) => answer.finishedAt)))
    const slowest = Math.max(...answers.map((answer) => answer.elapsedMs))
    console.log(
      `  user office slow: 8 concurrent sign-ins answered 503 in ≤ ${slowest} ms; /me ${meMs} ms`
    )
  })

  test('a sign-in whose experiment sync hangs succeeds within the timeout, and the list is served stale at once', async ({
    assert,
  }) => {
    userOffice.addAccount({ username: 'hung-sync', password: 'uo-password' })
    userOffice.setExperiments('hung-sync', makeExperiments(3, { prefix: 'H' }))
    front.mode = 'hang'

    const login = await timedLogin(portal.baseUrl, 'hung-sync', 'uo-password')
    assert.equal(login.status, 200, JSON.stringify(login.body))
    assert.isAtLeast(login.elapsedMs, TIMEOUT_MS - 100)
    assert.isBelow(login.elapsedMs, TIMEOUT_MS + MARGIN_MS)

    const startedAt = Date.now()
    const list = await login.browser.request('GET', '/api/v1/experiments')
    const listMs = Date.now() - startedAt
    assert.equal(list.status, 200)
    assert.isTrue(list.body.meta.stale)
    assert.lengthOf(list.body.data, 0)
    // A failure a moment ago: the read does not wait for the User Office again.
    assert.isBelow(listMs, 500)
    console.log(`  user office hung sync: sign-in ${login.elapsedMs} ms, stale list ${listMs} ms`)
  })

  test('a User Office that is down: sign-in answers 503 at once, stored experiments are served stale, all works again when it returns', async ({
    assert,
  }) => {
    userOffice.addAccount({ username: 'down-user', password: 'uo-password' })
    userOffice.setExperiments('down-user', makeExperiments(3, { prefix: 'D' }))
    const first = await timedLogin(portal.baseUrl, 'down-user', 'uo-password')
    assert.equal(first.status, 200)
    const browser = first.browser
    const synced = await browser.request('GET', '/api/v1/experiments')
    assert.lengthOf(synced.body.data, 3)
    assert.isFalse(synced.body.meta.stale)

    // Down: nothing listens on either address any more.
    const port = Number(new URL(userOffice.baseUrl).port)
    await userOffice.stop()
    await front.close()
    // Stored experiments are due for a refresh.
    await database
      .connection()
      .from('users')
      .where('username', 'down-user')
      .update({ experiments_synced_at: new Date('2000-01-01T00:00:00Z') })

    const refused = await timedLogin(portal.baseUrl, 'down-user', 'uo-password')
    assert.equal(refused.status, 503)
    assert.deepEqual(
      refused.body.errors.map((error: { code: string }) => error.code),
      ['E_USER_OFFICE_UNAVAILABLE']
    )
    assert.isBelow(refused.elapsedMs, MARGIN_MS)

    const listStartedAt = Date.now()
    const stale = await browser.request('GET', '/api/v1/experiments')
    const listMs = Date.now() - listStartedAt
    assert.equal(stale.status, 200)
    assert.isTrue(stale.body.meta.stale)
    assert.lengthOf(stale.body.data, 3)
    assert.isBelow(listMs, TIMEOUT_MS + MARGIN_MS)

    const sync = await browser.request('POST', '/api/v1/experiments/sync')
    assert.equal(sync.status, 503)
    assert.equal(sync.body.errors[0].code, 'E_USER_OFFICE_UNAVAILABLE')

    // Back on the same addresses: everything works again, without a restart.
    await userOffice.start(port)
    await front.listen()
    const again = await timedLogin(portal.baseUrl, 'down-user', 'uo-password')
    assert.equal(again.status, 200)
    const resynced = await again.browser.request('POST', '/api/v1/experiments/sync')
    assert.equal(resynced.status, 200)
    const fresh = await again.browser.request('GET', '/api/v1/experiments')
    assert.isFalse(fresh.body.meta.stale)
    assert.lengthOf(fresh.body.data, 3)
    console.log(
      `  user office down: sign-in 503 in ${refused.elapsedMs} ms, stale list in ${listMs} ms`
    )
  })
})
