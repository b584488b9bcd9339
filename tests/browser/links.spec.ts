import { test } from '@japa/runner'
import type { Page } from 'playwright'
import LinkResource from '#models/link_resource'
import AuditEvent from '#models/audit_event'
import { createUser, FACTORY_PASSWORD } from '#database/factories/user_factory'
import { createExperiment } from '#database/factories/experiment_factory'
import { isolateEachTest } from '#tests/helpers/isolation'
import { accessibilityProblems, screenshot, signInThroughForm } from '#tests/helpers/browser'

async function openFromNavigation(page: Page, link: string, heading = link) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link }).click()
  await page.getByRole('heading', { level: 1, name: heading }).waitFor()
  await page.waitForLoadState('networkidle')
}

test.group('Console: link resources in a real browser', (group) => {
  isolateEachTest(group)

  test('an admin adds a templated link; a scientist opens it for a chosen proposal in a new tab', async ({
    visit,
    assert,
  }) => {
    const admin = await createUser({ roles: ['admin'] })
    const scientist = await createUser()
    await createExperiment({
      members: [scientist],
      fields: { proposalId: 'MX 2026/01', title: 'Lysozyme at 100 K' },
    })
    const second = await createExperiment({
      members: [scientist],
      fields: { proposalId: 'MX-2026-02', title: 'Thaumatin' },
    })

    const page = await visit('/')
    await signInThroughForm(page, admin.username, FACTORY_PASSWORD)
    await openFromNavigation(page, 'Links')
    await page.getByRole('button', { name: 'Add link…' }).click()
    const dialog = page.getByRole('dialog', { name: 'Add a link' })
    await dialog.getByLabel('Name', { exact: true }).fill('E-logbook')
    // A placeholder in the host is refused, and the refusal shown at the field.
    await dialog.getByRole('textbox', { name: /^URL/ }).fill('https://{proposal}.elog.example.org/')
    await dialog.getByLabel('Carries the proposal ({proposal} in the URL)').check()
    await dialog.getByRole('button', { name: 'Add link' }).click()
    await dialog.getByRole('alert').waitFor()
    assert.deepEqual(await accessibilityProblems(page), [])
    await screenshot(page, 'admin-link-dialog')
    assert.isNull(await LinkResource.findBy('name', 'E-logbook'))

    await dialog
      .getByRole('textbox', { name: /^URL/ })
      .fill('https://elog.example.org/proposals/{proposal}/entries')
    await dialog.getByRole('button', { name: 'Add link' }).click()
    await page.getByRole('row', { name: /E-logbook/ }).waitFor()
    assert.deepEqual(await accessibilityProblems(page), [])
    await screenshot(page, 'admin-links')
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('heading', { level: 1, name: 'Sign in to the Facility Portal' }).waitFor()

    await signInThroughForm(page, scientist.username, FACTORY_PASSWORD)
    await openFromNavigation(page, 'Web resources')
    await page.getByRole('button', { name: 'Open E-logbook' }).click()
    const opening = page.getByRole('dialog', { name: 'Open E-logbook' })
    await opening.getByLabel('Proposal').selectOption(String(second.id))
    assert.deepEqual(await accessibilityProblems(page), [])
    await opening.getByRole('button', { name: 'Get the link' }).click()
    const link = opening.getByRole('link', { name: 'Open E-logbook in a new tab' })
    await link.waitFor()
    assert.equal(
      await link.getAttribute('href'),
      'https://elog.example.org/proposals/MX-2026-02/entries'
    )
    assert.equal(await link.getAttribute('target'), '_blank')
    assert.include(await link.getAttribute('rel'), 'noopener')
    await screenshot(page, 'scientist-open-link')

    const [event] = await AuditEvent.query().where('action', 'link.open')
    assert.equal(event.actorId, scientist.id)
    assert.equal(event.details?.proposalId, 'MX-2026-02')
  })
  test('an admin edits a link from its row, then deletes it after confirming', async ({
    visit,
    assert,
  }) => {
    const admin = await createUser({ roles: ['admin'] })
    const link = await LinkResource.create({
      name: 'Old logbook',
      description: null,
      url: 'https://elog.example.org/',
      proposalTemplate: false,
      requiresExperiment: false,
      enabled: true,
      allowedRoles: ['scientist'],
    })

    const page = await visit('/')
    await signInThroughForm(page, admin.username, FACTORY_PASSWORD)
    await openFromNavigation(page, 'Links')
    await page.getByRole('button', { name: 'Edit Old logbook' }).click()
    const editing = page.getByRole('dialog', { name: 'Edit Old logbook' })
    assert.equal(await editing.getByRole('textbox', { name: /^URL/ }).inputValue(), link.url)
    await editing.getByLabel('Name', { exact: true }).fill('New logbook')
    await editing.getByLabel('Enabled').uncheck()
    await editing.getByRole('button', { name: 'Save link' }).click()
    await page.getByRole('row', { name: /New logbook.*Disabled/ }).waitFor()
    await link.refresh()
    assert.equal(link.name, 'New logbook')
    assert.isFalse(link.enabled)

    await page.getByRole('button', { name: 'Delete New logbook' }).click()
    const confirming = page.getByRole('dialog', { name: 'Delete New logbook?' })
    await confirming.getByText('The audit trail keeps who opened it.').waitFor()
    await confirming.getByRole('button', { name: 'Delete' }).click()
    await page.getByRole('row', { name: /New logbook/ }).waitFor({ state: 'detached' })
    assert.isNull(await LinkResource.find(link.id))
    assert.deepEqual(
      (
        await AuditEvent.query()
          .where('action', 'like', 'link.%')
          .where('object_id', String(link.id))
          .orderBy('id')
      ).map((event) => event.action),
      ['link.update', 'link.delete']
    )
  })
})
