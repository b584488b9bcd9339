import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import User from '#models/user'
import samlConfig from '#config/saml'
import { createUser, FACTORY_PASSWORD } from '#database/factories/user_factory'
import { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'

/** What the page must not contain: the CSP forbids inline script and style. */
function assertCspSafe(assert: any, html: string) {
  assert.notMatch(html, /<script|\son\w+=|style=|<style|javascript:/i)
}

test.group('The portal page at /', (group) => {
  isolateEachTest(group)

  test('offers sign-in and the API reference to a visitor', async ({ client, assert }) => {
    const page = await new ApiSession(client).get('/')
    page.assertStatus(200)
    assert.include(page.header('content-type'), 'text/html')
    assert.include(page.headers()['content-security-policy'], "default-src 'self'")
    const html = page.text()
    assert.include(html, 'You are not signed in')
    assert.include(html, `<a href="/api/v1/auth/saml/login">${samlConfig.label}</a>`)
    assert.include(html, 'href="/api/docs"')
    assertCspSafe(assert, html)
  })

  test('says who is signed in, by session or by token, and escapes what it shows', async ({
    client,
    assert,
  }) => {
    const user = await createUser({ username: 'grace' })
    user.displayName = '<img src=x onerror=alert(1)> Grace'
    await user.save()

    const browser = new ApiSession(client)
    ;(await browser.login('grace', FACTORY_PASSWORD)).assertStatus(200)
    const html = (await browser.get('/')).text()
    assert.include(html, 'Signed in as <strong>&#60;img src=x onerror=alert(1)&#62; Grace</strong>')
    assert.include(html, '<code>grace</code>, local account')
    assert.notInclude(html, '<img')

    const token = await User.accessTokens.create(user, ['*'], { name: 'landing' })
    const scripted = ApiSession.withToken(client, token.value!.release())
    assert.include((await scripted.get('/')).text(), 'Signed in as')
  })

  test('a disabled account is not shown as signed in', async ({ client, assert }) => {
    await createUser({ username: 'ellen' })
    const browser = new ApiSession(client)
    ;(await browser.login('ellen', FACTORY_PASSWORD)).assertStatus(200)
    await db.from('users').where('username', 'ellen').update({ disabled: true })
    assert.include((await browser.get('/')).text(), 'You are not signed in')
  })
})
