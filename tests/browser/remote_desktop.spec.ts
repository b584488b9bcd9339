import { test } from '@japa/runner'
import env from '#start/env'
import { createUser, FACTORY_PASSWORD } from '#database/factories/user_factory'
import EnvironmentProvisioner from '#services/environments/environment_provisioner'
import { createHttpImage } from '#tests/helpers/environments'
import {
  clearGuacamoleRecords,
  fakeGuacamole,
  fakeGuacamolePort,
} from '#tests/helpers/fake_guacamole'
import { isolateEachTest } from '#tests/helpers/isolation'
import { screenshot, signInThroughForm, waitUntilRemoved } from '#tests/helpers/browser'

test.group('Console: a remote desktop through Guacamole in a real browser', (group) => {
  isolateEachTest(group)
  group.each.teardown(async () => {
    await EnvironmentProvisioner.settle()
    // Guacamole's rows are committed for real (its own database).
    await clearGuacamoleRecords()
  })

  test('a VNC environment opens through Guacamole with the token the portal obtained for it', async ({
    visit,
    assert,
    cleanup,
  }) => {
    cleanup(() => EnvironmentProvisioner.settle())
    const scientist = await createUser()
    await createHttpImage({ name: 'Desktop (VNC)', protocol: 'vnc', port: 5901 })

    const page = await visit('/environments')
    await signInThroughForm(page, scientist.username, FACTORY_PASSWORD)
    await page.getByRole('button', { name: 'Launch environment…' }).click()
    const dialog = page.getByRole('dialog', { name: 'Launch an analysis environment' })
    await dialog.getByLabel('Image').selectOption({ label: 'Desktop (VNC)' })
    await dialog.getByText('Opens through Guacamole (VNC).', { exact: false }).waitFor()
    await dialog.getByLabel('Name (optional)').fill('beamline desktop')
    await dialog.getByRole('button', { name: 'Launch', exact: true }).click()

    const row = page.locator('tr', { hasText: 'beamline desktop' })
    await row.getByText('Running', { exact: true }).waitFor({ timeout: 30_000 })
    await row.getByRole('button', { name: 'Open' }).click()
    const open = page.getByRole('dialog', { name: 'Open beamline desktop' })
    await open.getByText('The remote desktop opens in Apache Guacamole').waitFor()
    const href = await open
      .getByRole('link', { name: 'Open beamline desktop in a new tab' })
      .getAttribute('href')
    await screenshot(page, 'open-remote-desktop')

    const [, token] = new RegExp(
      `^${env.get('GUACAMOLE_URL')!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/#/client/[\\w-]+\\?token=([0-9A-F]+)$`
    ).exec(href ?? '') ?? [null, null]
    assert.isString(token, `not a Guacamole client URL with a token: ${href}`)
    assert.isTrue(fakeGuacamole.issued.has(token!), 'Guacamole issued that token')

    await open.getByRole('button', { name: 'Close', exact: true }).click()

    // Guacamole's web app unreachable (from the portal, and so from this browser): the console
    // says so and offers Guacamole's own sign-in page with the credentials the portal made.
    await fakeGuacamole.stop()
    try {
      await row.getByRole('button', { name: 'Open' }).click()
      await open.getByRole('alert').waitFor()
      assert.include(
        await open.getByRole('alert').textContent(),
        'Guacamole could not be signed in to from this browser'
      )
      const username = await open.locator('dd code').first().textContent()
      assert.match(username ?? '', /-env-\d+-/)
      assert.match(
        (await open.getByRole('link', { name: 'Guacamole’s page' }).getAttribute('href'))!,
        /\/#\/client\/[\w-]+$/
      )
      await screenshot(page, 'open-remote-desktop-fallback')
    } finally {
      await fakeGuacamole.start(fakeGuacamolePort())
    }
    await open.getByRole('button', { name: 'Close', exact: true }).click()
    await row.getByRole('button', { name: 'Remove' }).click()
    await page
      .getByRole('dialog', { name: 'Remove beamline desktop?' })
      .getByRole('button', { name: 'Remove' })
      .click()
    await waitUntilRemoved(row)
  })
})
