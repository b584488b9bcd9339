import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import DockerDriver from '#services/provisioning/docker_driver'
import experimentsConfig from '#config/experiments'
import EnvironmentProvisioner from '#services/environments/environment_provisioner'
import { isolateEachTest } from '#tests/helpers/isolation'
import { testUserOffice } from '#tests/helpers/test_user_office'
import { makeExperiments, type UoExperiment } from '#tests/helpers/user_office_server'
import { createHttpImage } from '#tests/helpers/environments'
import {
  accessibilityProblems,
  screenshot,
  signInThroughForm,
  waitUntilRemoved,
} from '#tests/helpers/browser'

const APP_HEADING = 'Beamline data browser'

/**
 * A facility scientist with a few proposals, one of which (BEAM-42) has a
 * session whose raw data holds the page the web image serves.
 */
async function scientistWithBeamtime(username: string) {
  const raw = join(experimentsConfig.mountPolicy.datasetsRoot, `console-${username}`, 'raw')
  await mkdir(raw, { recursive: true })
  await writeFile(
    join(raw, 'index.html'),
    `<!doctype html><title>app</title><h1>${APP_HEADING}</h1>`
  )
  const beamtime: UoExperiment = {
    ...makeExperiments(1, { prefix: 'BEAM-', sessionsPer: 1 })[0],
    proposal_id: 'BEAM-42',
    subject: 'Tomography of fossil teeth',
  }
  // Mounted read-only at /data/raw (bind is relative to the read-only container root).
  beamtime.sessions[0].data_set_path = JSON.stringify({ [raw]: { bind: '/raw', mode: 'ro' } })
  testUserOffice.addAccount({ username, password: 'uo-password' })
  testUserOffice.setExperiments(username, [...makeExperiments(6, { prefix: 'ZX-' }), beamtime])
  // portal-test/httpd:1 serving the mounted session data on the port the portal assigns.
  await createHttpImage({
    name: 'Data browser (web)',
    description: 'Serves the session data over HTTP',
    reference: 'portal-test/httpd:1',
    requiresExperiment: true,
    command: ['/bin/sh', '-c', 'exec httpd -f -p 127.0.0.1:$PORTAL_SERVICE_PORT -h /data/raw'],
  })
}

test.group('Console: a scientist in a real browser', (group) => {
  isolateEachTest(group)

  test('signs in, finds a proposal, launches the web image, opens it and stops it', async ({
    visit,
    browserContext,
    assert,
    cleanup,
  }) => {
    // Engine work continues in the background; it must end before the rollback.
    cleanup(() => EnvironmentProvisioner.settle())
    await scientistWithBeamtime('ada')

    const page = await visit('/')
    await page.getByRole('heading', { level: 1, name: 'Sign in to the Facility Portal' }).waitFor()
    assert.deepEqual(await accessibilityProblems(page), [])
    await screenshot(page, 'sign-in')
    // The single sign-on button the portal offers (.env.test enables SAML as "Umbrella").
    const sso = page.getByRole('link', { name: 'Sign in with Umbrella' })
    assert.match((await sso.getAttribute('href'))!, /^\/api\/v1\/auth\/saml\/login\?returnTo=/)
    await signInThroughForm(page, 'ada', 'uo-password')

    await page.getByRole('heading', { level: 1, name: 'Experiments' }).waitFor()
    assert.equal(new URL(page.url()).pathname, '/experiments')
    await page.getByLabel('Search proposals').fill('fossil')
    await page.getByRole('button', { name: 'Search', exact: true }).click()
    const found = page.getByRole('link', { name: 'BEAM-42' })
    await found.waitFor()
    await page.assertElementsCount('tbody tr', 1)
    const star = page.getByRole('button', { name: 'Favourite BEAM-42' })
    await star.click()
    await page.locator('button[aria-pressed="true"]', { hasText: '★' }).waitFor()
    await page.getByLabel('Search proposals').fill('')
    await page.getByRole('button', { name: 'Search', exact: true }).click()
    await page.assertElementsCount('tbody tr', 7)
    await page.getByLabel('Favourites only').check()
    await page.assertElementsCount('tbody tr', 1)
    await page.getByLabel('Favourites only').uncheck()
    await page.getByLabel('Sort by').selectOption({ label: 'Proposal' })
    await page.locator('tbody tr').first().getByRole('link', { name: 'BEAM-42' }).waitFor()
    assert.deepEqual(await accessibilityProblems(page), [])
    await screenshot(page, 'experiments')

    await found.click()
    await page.getByRole('heading', { level: 1, name: 'Experiment BEAM-42' }).waitFor()
    await page.getByText('/data/raw').waitFor()
    await screenshot(page, 'experiment')

    // The launch dialog, driven from the keyboard: focus moves in, Escape leaves.
    const launchButton = page.getByRole('button', { name: 'Launch with session 1' })
    await launchButton.focus()
    await page.keyboard.press('Enter')
    const dialog = page.getByRole('dialog', { name: 'Launch an analysis environment' })
    await dialog.waitFor()
    assert.isTrue(await dialog.evaluate((element) => element.contains(document.activeElement)))
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'detached' })
    // Focus goes back to the opener once the dialog has closed (an effect after it detaches).
    await launchButton.evaluate(
      (element) =>
        new Promise<void>((resolve, reject) => {
          const deadline = Date.now() + 2_000
          const check = () => {
            if (element === document.activeElement) return resolve()
            if (Date.now() > deadline) return reject(new Error('focus did not return to Launch'))
            requestAnimationFrame(check)
          }
          check()
        })
    )

    await launchButton.click()
    await dialog.getByLabel('Image').selectOption({ label: 'Data browser (web)' })
    await dialog.getByLabel('Name (optional)').fill('fossil analysis')
    await dialog.getByRole('cell', { name: '0.25 cores' }).first().waitFor()
    assert.deepEqual(await accessibilityProblems(page), [])
    await screenshot(page, 'launch-dialog')
    // The environments view follows the launch on the progress stream (SSE).
    const progressStream = page.waitForRequest((request) =>
      /\/api\/v1\/environments\/\d+\/events$/.test(request.url())
    )
    await dialog.getByRole('button', { name: 'Launch', exact: true }).click()

    await page.getByRole('heading', { level: 1, name: 'Environments' }).waitFor()
    const row = page.locator('tr', { hasText: 'fossil analysis' })
    await progressStream
    await row.getByText('Running', { exact: true }).waitFor({ timeout: 30_000 })
    assert.deepEqual(await accessibilityProblems(page), [])
    await screenshot(page, 'environments')

    await row.getByRole('button', { name: 'Open' }).click()
    const opener = page.getByRole('link', { name: 'Open fossil analysis in a new tab' })
    const [application] = await Promise.all([browserContext.waitForEvent('page'), opener.click()])
    await application.waitForLoadState()
    assert.equal(await application.locator('h1').textContent(), APP_HEADING)
    assert.match(application.url(), /^http:\/\/127\.0\.0\.1:\d+\//)
    await screenshot(application, 'environment-application')
    await application.close()
    await page.getByRole('button', { name: 'Close', exact: true }).click()

    // Extend by a day (the dialog proposes the current expiry plus 24 hours).
    // Cells after the name: image, state, resources, last used, expires.
    const expires = row.locator('td').nth(4)
    const expiresBefore = await expires.textContent()
    await row.getByRole('button', { name: 'Extend' }).click()
    const extend = page.getByRole('dialog', { name: 'Extend fossil analysis' })
    await extend.getByRole('button', { name: 'Extend', exact: true }).click()
    await extend.waitFor({ state: 'detached' })
    await expires.filter({ hasNotText: expiresBefore! }).waitFor()

    await row.getByRole('button', { name: 'Stop' }).click()
    await row.getByText('Stopped', { exact: true }).waitFor({ timeout: 30_000 })
    await row.getByRole('button', { name: 'Start' }).waitFor()

    // Removing it (after a confirmation) leaves nothing on the engine.
    const id = Number(await row.getAttribute('data-environment'))
    await row.getByRole('button', { name: 'Remove' }).click()
    await page
      .getByRole('dialog', { name: 'Remove fossil analysis?' })
      .getByRole('button', { name: 'Remove' })
      .click()
    await waitUntilRemoved(row)
    const driver = await app.container.make(DockerDriver)
    assert.notExists((await driver.list()).find((instance) => instance.environmentId === id))
  })
})
