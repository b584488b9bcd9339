import { test } from '@japa/runner'
import AuditEvent from '#models/audit_event'
import EnvironmentShare from '#models/environment_share'
import { createUser, FACTORY_PASSWORD } from '#database/factories/user_factory'
import { createExperiment } from '#database/factories/experiment_factory'
import EnvironmentProvisioner from '#services/environments/environment_provisioner'
import { createHttpImage, recordEnvironment } from '#tests/helpers/environments'
import { isolateEachTest } from '#tests/helpers/isolation'
import {
  accessibilityProblems,
  BROWSER_CONTEXT_OPTIONS,
  screenshot,
  signInThroughForm,
} from '#tests/helpers/browser'

test.group('Console: sharing an environment in a real browser', (group) => {
  isolateEachTest(group)

  test('the owner shares an environment from its row, the colleague sees it as shared, and the owner revokes it', async ({
    visit,
    browser,
    assert,
    cleanup,
  }) => {
    cleanup(() => EnvironmentProvisioner.settle())
    const owner = await createUser()
    const colleague = await createUser()
    const experiment = await createExperiment({ members: [owner, colleague] })
    const image = await createHttpImage({ name: 'Notebook (web)' })
    const environment = await recordEnvironment({
      userId: owner.id,
      imageId: image.id,
      experimentId: experiment.id,
      name: 'team analysis',
      state: 'running',
      endpointHost: '127.0.0.1',
      endpointPort: 9,
    })

    const page = await visit('/environments')
    await signInThroughForm(page, owner.username, FACTORY_PASSWORD)
    const row = page.locator(`tr[data-environment="${environment.id}"]`)
    await row.getByRole('button', { name: 'Share…' }).click()
    const dialog = page.getByRole('dialog', { name: 'Share team analysis' })
    await dialog.getByText('It is not shared with anyone.').waitFor()
    await dialog.getByLabel('Username of a member of the experiment').fill(colleague.username)
    // A web application cannot be made view-only: the guest role is not offered.
    const roles = await dialog.getByLabel('Role').locator('option').allTextContents()
    assert.deepEqual(roles, ['User — full access'])
    await dialog.getByRole('button', { name: 'Share', exact: true }).click()
    await dialog.getByRole('button', { name: `Revoke ${colleague.username}` }).waitFor()
    assert.deepEqual(await accessibilityProblems(page), [])
    await screenshot(page, 'share-dialog')

    // Someone outside the experiment is refused with the API's words, and nothing is added.
    const stranger = await createUser()
    await dialog.getByLabel('Username of a member of the experiment').fill(stranger.username)
    await dialog.getByRole('button', { name: 'Share', exact: true }).click()
    await dialog.getByText("No other member of this environment's experiment").waitFor()
    assert.lengthOf(await EnvironmentShare.query().where('environment_id', environment.id), 1)

    // The colleague, in another browser, sees it as shared and may open it, nothing more.
    const colleagueContext = await browser.newContext(BROWSER_CONTEXT_OPTIONS)
    cleanup(() => colleagueContext.close())
    const theirs = await colleagueContext.visit('/environments')
    await signInThroughForm(theirs, colleague.username, FACTORY_PASSWORD)
    const sharedRow = theirs.locator(`tr[data-environment="${environment.id}"]`)
    await sharedRow.getByText(`Shared by ${owner.username}`).waitFor()
    await sharedRow.getByRole('button', { name: 'Open' }).waitFor()
    for (const name of ['Stop', 'Extend', 'Remove', 'Share…']) {
      assert.equal(await sharedRow.getByRole('button', { name }).count(), 0, name)
    }
    assert.deepEqual(await accessibilityProblems(theirs), [])

    await dialog.getByRole('button', { name: `Revoke ${colleague.username}` }).click()
    await dialog.getByText('It is not shared with anyone.').waitFor()
    await theirs.reload()
    await theirs.getByText('You have no environments').waitFor()
    const revoked = await AuditEvent.query()
      .where('action', 'environment.unshare')
      .where('object_id', String(environment.id))
    assert.lengthOf(revoked, 1)
    assert.equal(revoked[0].actorId, owner.id)
  })
})
