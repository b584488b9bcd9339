import { test } from '@japa/runner'
import { isolateEachTest } from '#tests/helpers/isolation'
import { testOidcProvider as op } from '#tests/helpers/test_oidc'
import { screenshot } from '#tests/helpers/browser'

test.group('Console: OpenID Connect sign-in in a real browser', (group) => {
  isolateEachTest(group)

  test('the OpenID Connect button goes through the provider and back to the view asked for, and sign-out ends both sessions', async ({
    visit,
    assert,
  }) => {
    await op.signInAs({
      sub: 'sub-console-1',
      claims: {
        preferred_username: 'katherine',
        email: 'katherine@university.example',
        name: 'Katherine Johnson',
      },
    })
    const page = await visit('/environments')
    await page.getByRole('link', { name: 'Sign in with Facility ID' }).click()

    // Provider → callback → back to /environments, signed in.
    await page.getByRole('heading', { level: 1, name: 'Environments' }).waitFor()
    assert.equal(new URL(page.url()).pathname, '/environments')
    assert.include(await page.locator('header').textContent(), 'Signed in as Katherine Johnson')
    await screenshot(page, 'signed-in-with-oidc')

    // Sign-out goes on to the provider's end-session page; confirming there comes back.
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.waitForURL((url) => url.toString().startsWith(`${op.issuer}/session/end`))
    await page.getByRole('button', { name: /sign me out/i }).click()
    await page.getByRole('heading', { level: 1, name: 'Sign in to the Facility Portal' }).waitFor()
  })
})
