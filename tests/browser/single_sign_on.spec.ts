import { test } from '@japa/runner'
import { isolateEachTest } from '#tests/helpers/isolation'
import { testIdpPort, trustedTestIdp } from '#tests/helpers/test_saml'
import { screenshot } from '#tests/helpers/browser'

test.group('Console: single sign-on in a real browser', (group) => {
  isolateEachTest(group)
  const idp = trustedTestIdp()
  group.setup(async () => {
    await idp.start(testIdpPort())
    return () => idp.stop()
  })

  test('the sign-on button goes through the signing IdP and back to the view the person asked for', async ({
    visit,
    assert,
  }) => {
    idp.signInAs({
      nameId: 'persistent-console-1',
      attributes: {
        EAAHash: 'eaa-console-1',
        uid: 'grace',
        mail: 'grace@university.example',
        displayName: 'Grace Hopper',
      },
    })
    const page = await visit('/environments')
    await page.getByRole('link', { name: 'Sign in with Umbrella' }).click()

    // IdP → auto-posted response → ACS → back to /environments, signed in.
    await page.getByRole('heading', { level: 1, name: 'Environments' }).waitFor()
    assert.equal(new URL(page.url()).pathname, '/environments')
    assert.include(await page.locator('header').textContent(), 'Signed in as Grace Hopper')
    await screenshot(page, 'signed-in-with-sso')

    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('heading', { level: 1, name: 'Sign in to the Facility Portal' }).waitFor()
  })
})
