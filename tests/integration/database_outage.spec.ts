import { test } from '@japa/runner'
import { freePort, HttpBrowser, PortalProcess } from '#tests/helpers/portal_process'

/*
 * A portal pointed at a MySQL address where nothing listens (loopback):
 * it still starts, says it is not ready, and answers 503 quickly.
 */
test.group('Database unavailable', () => {
  test('the server starts, reports not ready, and answers 503 within seconds', async ({
    assert,
    cleanup,
  }) => {
    const deadPort = await freePort()
    const portal = await PortalProcess.start({
      DB_CONNECTION: 'mysql',
      DB_HOST: '127.0.0.1',
      DB_PORT: String(deadPort),
      DB_DATABASE: 'portal_absent',
      APP_KEY: 'an-app-key-for-this-test-only-0123456789',
    })
    cleanup(() => portal.stop())
    const browser = new HttpBrowser(portal.baseUrl)

    const live = await browser.request('GET', '/health/live')
    assert.equal(live.status, 200)

    const ready = await browser.request('GET', '/health/ready')
    assert.equal(ready.status, 503)
    assert.equal(ready.body.status, 'error')
    assert.equal(ready.body.checks[0].status, 'error')

    const startedAt = Date.now()
    const login = await browser.login('someone', 'something')
    assert.equal(login.status, 503)
    assert.equal(login.body.errors[0].code, 'E_SERVICE_UNAVAILABLE')
    assert.isBelow(Date.now() - startedAt, 8000)
  })
})
