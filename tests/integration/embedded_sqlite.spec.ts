import { rm } from 'node:fs/promises'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from '@japa/runner'
import { HttpBrowser, PortalProcess, scratchDir } from '#tests/helpers/portal_process'

/*
 * The README's first command: the server on its embedded defaults (SQLite
 * in the data folder, schema migrated on start, first admin bootstrapped).
 */
test.group('Embedded defaults (SQLite smoke pass)', () => {
  test('boots on a fresh data folder, migrates, and signs the configured admin in', async ({
    assert,
    cleanup,
  }) => {
    const dataDir = await scratchDir('sqlite')
    cleanup(() => rm(dataDir, { recursive: true, force: true }))
    const portal = await PortalProcess.start({
      DATA_DIR: dataDir,
      PORTAL_ADMIN_USERNAME: 'operator',
      PORTAL_ADMIN_PASSWORD: 'operator-password-123',
    })
    cleanup(() => portal.stop())

    assert.isTrue((await stat(join(dataDir, 'portal.sqlite'))).isFile())
    const keyMode = (await stat(join(dataDir, 'app.key'))).mode & 0o777
    assert.equal(keyMode, 0o600)

    const ready = await new HttpBrowser(portal.baseUrl).request('GET', '/health/ready')
    assert.equal(ready.status, 200)

    const browser = new HttpBrowser(portal.baseUrl)
    const login = await browser.login('operator', 'operator-password-123')
    assert.equal(login.status, 200)
    assert.deepEqual(login.body.data.roles, ['admin', 'scientist'])

    const me = await browser.request('GET', '/api/v1/me')
    assert.equal(me.status, 200)
    assert.equal(me.body.data.username, 'operator')
    assert.notInclude(portal.stdout + portal.stderr, 'operator-password-123')
  })

  test('without a configured password, writes a generated one to a private file, never to the log', async ({
    assert,
    cleanup,
  }) => {
    const dataDir = await scratchDir('sqlite')
    cleanup(() => rm(dataDir, { recursive: true, force: true }))
    const first = await PortalProcess.start({ DATA_DIR: dataDir })
    const file = join(dataDir, 'first-admin-password')
    assert.equal((await stat(file)).mode & 0o777, 0o600)
    const password = /^password=(.+)$/m.exec(await readFile(file, 'utf8'))?.[1]
    assert.exists(password)
    assert.isAtLeast(password!.length, 20)
    assert.notInclude(first.stdout + first.stderr, password!)
    assert.include(first.stdout + first.stderr, file)

    const browser = new HttpBrowser(first.baseUrl)
    const login = await browser.login('admin', password!)
    assert.equal(login.status, 200)
    await first.stop()

    // A restart keeps the account and the key (sessions stay valid) and writes nothing.
    const second = await PortalProcess.start({ DATA_DIR: dataDir })
    cleanup(() => second.stop())
    assert.notInclude(second.stdout + second.stderr, 'first-admin-password')
    const again = await new HttpBrowser(second.baseUrl).login('admin', password!)
    assert.equal(again.status, 200)
  })
})
