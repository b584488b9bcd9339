import { test } from '@japa/runner'
import type { Page } from 'playwright'
import { DateTime } from 'luxon'
import { createUser, FACTORY_PASSWORD } from '#database/factories/user_factory'
import { createHttpImage, recordEnvironment } from '#tests/helpers/environments'
import { isolateEachTest } from '#tests/helpers/isolation'
import { accessibilityProblems, screenshot, signInThroughForm } from '#tests/helpers/browser'
import { EnvironmentEventFactory } from '#database/factories/environment_factory'

/** Opens a view from the navigation (as a person would) and waits for its heading. */
async function openFromNavigation(page: Page, link: string, heading = link) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link }).click()
  await page.getByRole('heading', { level: 1, name: heading }).waitFor()
  // Lists load after the heading shows.
  await page.waitForLoadState('networkidle')
}

test.group('Console: every main page in a real browser', (group) => {
  isolateEachTest(group)

  test('the admin pages load from the navigation, pass the accessibility checks and are captured', async ({
    visit,
    assert,
  }) => {
    const admin = await createUser({ roles: ['admin'] })
    const scientist = await createUser()
    const image = await createHttpImage({ name: 'JupyterLab (web)' })
    await recordEnvironment({ userId: scientist.id, imageId: image.id, name: 'overnight fit' })
    // Ten hours of a running environment, for the usage report and its chart.
    const running = await recordEnvironment({
      userId: scientist.id,
      imageId: image.id,
      name: 'long tomography scan',
      state: 'running',
    })
    for (const [state, hoursAgo] of [
      ['provisioning', 10],
      ['running', 9.99],
    ] as const) {
      await EnvironmentEventFactory.merge({
        environmentId: running.id,
        step: state,
        message: state,
        state,
        occurredAt: DateTime.utc().minus({ hours: hoursAgo }),
      }).create()
    }

    const page = await visit('/')
    await signInThroughForm(page, admin.username, FACTORY_PASSWORD)
    const problems: string[] = []
    for (const [link, heading, name] of [
      ['Overview', 'Overview', 'admin-overview'],
      ['Users', 'Users', 'admin-users'],
      ['Default quota', 'Default quota', 'admin-default-quota'],
      ['Images', 'Images', 'admin-images'],
      ['All environments', 'All environments', 'admin-environments'],
      ['Audit trail', 'Audit trail', 'admin-audit'],
      ['Usage', 'Usage', 'admin-usage'],
    ]) {
      await openFromNavigation(page, link, heading)
      problems.push(...(await accessibilityProblems(page)).map((problem) => `${link}: ${problem}`))
      await screenshot(page, name)
    }
    assert.deepEqual(problems, [])

    // The catalogue's form, in its dialog.
    await openFromNavigation(page, 'Images')
    await page.getByRole('button', { name: 'Add image…' }).click()
    const dialog = page.getByRole('dialog', { name: 'Add an image' })
    await dialog.getByLabel('Name', { exact: true }).fill('Broken image')
    await dialog.getByLabel('Image reference').fill('NOT A REFERENCE')
    await dialog.getByRole('button', { name: 'Add image' }).click()
    await dialog.getByRole('alert').waitFor()
    assert.deepEqual(await accessibilityProblems(page), [])
    await screenshot(page, 'admin-image-dialog')
    await page.keyboard.press('Escape')

    // Force stop is offered for running environments only, and asks first.
    await openFromNavigation(page, 'All environments')
    const row = page.locator('tr', { hasText: 'overnight fit' })
    await row.getByText(scientist.username).waitFor()
    assert.equal(await row.getByRole('button', { name: 'Force stop' }).count(), 0)
    await row.getByRole('button', { name: 'Remove' }).waitFor()
    const runningRow = page.locator('tr', { hasText: 'long tomography scan' })
    await runningRow.getByRole('button', { name: 'Force stop' }).click()
    const confirm = page.getByRole('dialog', {
      name: `Force stop long tomography scan of ${scientist.username}?`,
    })
    await confirm.getByRole('button', { name: 'Cancel' }).click()
    await confirm.waitFor({ state: 'detached' })

    // The usage report charts the ten hours and lists them.
    await openFromNavigation(page, 'Usage')
    await page.getByRole('img', { name: /Environment hours by group/ }).waitFor()
    const usage = page.locator('tbody tr', { hasText: scientist.username })
    assert.match((await usage.locator('td').first().textContent())!, /^(9\.9|10\.0)\d$/)
    await screenshot(page, 'admin-usage-chart')

    // The audit trail shows this admin's sign-in.
    await openFromNavigation(page, 'Audit trail')
    await page.getByLabel('Action').fill('auth.login')
    await page.getByRole('button', { name: 'Filter' }).click()
    await page.locator('tbody tr', { hasText: admin.username }).first().waitFor()
  })

  test('a scientist creates an API token shown once; no secret stays in browser storage', async ({
    visit,
    assert,
  }) => {
    const scientist = await createUser()
    const page = await visit('/tokens')
    await signInThroughForm(page, scientist.username, FACTORY_PASSWORD)
    await page.getByRole('heading', { level: 1, name: 'API tokens' }).waitFor()
    await page.getByLabel('Token name').fill('nightly reduction')
    await page.getByRole('button', { name: 'Create token' }).click()
    const dialog = page.getByRole('dialog', { name: 'Your new API token' })
    const token = await dialog.getByLabel('Token “nightly reduction”').inputValue()
    assert.match(token, /\S{20,}/)
    await screenshot(page, 'tokens-created')
    await dialog.getByRole('button', { name: 'Done' }).click()
    await page.locator('tbody tr', { hasText: 'nightly reduction' }).waitFor()
    assert.deepEqual(await accessibilityProblems(page), [])
    await screenshot(page, 'tokens')

    const storage = await page.evaluate(() => ({
      local: JSON.stringify({ ...window.localStorage }),
      session: JSON.stringify({ ...window.sessionStorage }),
      cookies: document.cookie,
    }))
    assert.equal(storage.local, '{}')
    assert.equal(storage.session, '{}')
    assert.notInclude(storage.cookies, token)
    assert.notInclude(storage.cookies, 'portal-session', 'the session cookie is HttpOnly')
    assert.notInclude(await page.content(), token, 'the value is gone once the dialog closes')

    await page.getByRole('button', { name: 'Revoke' }).click()
    await page
      .getByRole('dialog', { name: /Revoke/ })
      .getByRole('button', { name: 'Revoke' })
      .click()
    await page.getByText('You have no API tokens.').waitFor()
  })

  test('an unknown console path shows the console’s own not-found page; signing out returns to the form', async ({
    visit,
    assert,
  }) => {
    const scientist = await createUser()
    const page = await visit('/no/such/view')
    await signInThroughForm(page, scientist.username, FACTORY_PASSWORD)
    await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor()
    // Scientists have no administration pages.
    await page.goto('/admin/users')
    await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor()
    assert.equal(await page.getByRole('link', { name: 'Users' }).count(), 0)

    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('heading', { level: 1, name: 'Sign in to the Facility Portal' }).waitFor()
    const me = await page.request.get('/api/v1/me')
    assert.equal(me.status(), 401)
  })

  test('the accessibility check itself catches a missing label, a second h1 and low contrast', async ({
    browserContext,
    assert,
  }) => {
    const page = await browserContext.newPage()
    await page.setContent(`<html><body>
      <h1>One</h1><h1>Two</h1>
      <input name="nameless">
      <p style="color:#aaa;background:#fff">faint text</p>
      <button></button>
    </body></html>`)
    const problems = (await accessibilityProblems(page)).join('\n')
    assert.include(problems, 'the page has no lang')
    assert.include(problems, 'expected one visible h1, found 2')
    assert.include(problems, 'form control without a label: <input name=nameless>')
    assert.match(problems, /contrast 2\.\d+:1 for <p> "faint text"/)
    assert.include(problems, 'button or link without a name')
  })
})
