import { test } from '@japa/runner'
import type { Browser } from 'playwright'
import { createUser, FACTORY_PASSWORD } from '#database/factories/user_factory'
import EnvironmentProvisioner from '#services/environments/environment_provisioner'
import { createHttpImage, recordEnvironment } from '#tests/helpers/environments'
import { isolateEachTest } from '#tests/helpers/isolation'
import {
  accessibilityProblems,
  BROWSER_CONTEXT_OPTIONS,
  screenshot,
  signInThroughForm,
} from '#tests/helpers/browser'

/** A second person at another browser (own cookies), closed after the test. */
async function otherBrowser(browser: Browser, cleanup: (fn: () => Promise<void>) => void) {
  const context = await browser.newContext(BROWSER_CONTEXT_OPTIONS)
  cleanup(() => context.close())
  return context
}

test.group('Console: quotas and other people in a real browser', (group) => {
  isolateEachTest(group)

  test("an admin lowers a scientist's quota and the scientist's launch is refused with the quota message", async ({
    visit,
    browser,
    assert,
    cleanup,
  }) => {
    cleanup(() => EnvironmentProvisioner.settle())
    const admin = await createUser({ roles: ['admin'] })
    const scientist = await createUser()
    await createHttpImage({ name: 'Quick look (web)' })

    const adminPage = await visit('/admin/users')
    await signInThroughForm(adminPage, admin.username, FACTORY_PASSWORD)
    await adminPage.getByRole('heading', { level: 1, name: 'Users' }).waitFor()
    await adminPage.getByLabel('Search users').fill(scientist.username)
    await adminPage.getByRole('button', { name: 'Search', exact: true }).click()
    await adminPage.getByRole('link', { name: scientist.username, exact: true }).click()
    await adminPage.getByRole('heading', { level: 1, name: `User ${scientist.username}` }).waitFor()
    await adminPage.getByLabel('Environments', { exact: true }).fill('0')
    await adminPage.getByRole('button', { name: 'Save quota' }).click()
    await adminPage.getByRole('heading', { name: 'Quota (their own)' }).waitFor()
    assert.deepEqual(await accessibilityProblems(adminPage), [])
    await screenshot(adminPage, 'admin-user')

    const scientistContext = await otherBrowser(browser, cleanup)
    const page = await scientistContext.visit('/environments')
    await signInThroughForm(page, scientist.username, FACTORY_PASSWORD)
    await page.getByRole('heading', { level: 1, name: 'Environments' }).waitFor()
    await page.getByRole('button', { name: 'Launch environment…' }).click()
    const dialog = page.getByRole('dialog', { name: 'Launch an analysis environment' })
    await dialog.getByLabel('Image').selectOption({ label: 'Quick look (web)' })
    // The dialog warns before asking: nothing is left of the environments quota.
    await dialog.getByText('more than is left').waitFor()
    await dialog.getByRole('button', { name: 'Launch', exact: true }).click()

    const alert = dialog.getByRole('alert')
    await alert.waitFor()
    const message = await alert.textContent()
    assert.include(message, 'Quota exceeded for environments: requested 1, available 0 (limit 0)')
    assert.include(message, 'E_QUOTA_EXCEEDED')
    await screenshot(page, 'launch-refused-quota')
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    await page.getByText('You have no environments').waitFor()
  })

  test("another user cannot see or reach the first one's environment", async ({
    visit,
    browser,
    assert,
    cleanup,
  }) => {
    const owner = await createUser()
    const other = await createUser()
    const image = await createHttpImage()
    const environment = await recordEnvironment({
      userId: owner.id,
      imageId: image.id,
      name: 'private beamtime analysis',
    })

    const ownerPage = await visit('/environments')
    await signInThroughForm(ownerPage, owner.username, FACTORY_PASSWORD)
    await ownerPage.getByText('private beamtime analysis').waitFor()

    const otherContext = await otherBrowser(browser, cleanup)
    const page = await otherContext.visit('/environments')
    await signInThroughForm(page, other.username, FACTORY_PASSWORD)
    await page.getByText('You have no environments').waitFor()
    assert.equal(await page.getByText('private beamtime analysis').count(), 0)

    // Asking the API directly with the other person's session changes nothing.
    for (const path of ['', '/events']) {
      const answer = await otherContext.request.get(`/api/v1/environments/${environment.id}${path}`)
      assert.equal(answer.status(), 404, path)
      assert.equal((await answer.json()).errors[0].code, 'E_NOT_FOUND')
    }
    const xsrf = (await otherContext.cookies()).find((cookie) => cookie.name === 'XSRF-TOKEN')
    const stop = await otherContext.request.post(`/api/v1/environments/${environment.id}/stop`, {
      headers: { 'X-XSRF-TOKEN': decodeURIComponent(xsrf!.value) },
    })
    assert.equal(stop.status(), 404)
    await environment.refresh()
    assert.equal(environment.state, 'stopped')
    await page.reload()
    await page.getByText('You have no environments').waitFor()
  })
})
