import { test } from '@japa/runner'
import { usernameDigest } from '#services/auth/username_digest'
import { createUser, FACTORY_PASSWORD } from '#database/factories/user_factory'
import { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'

test.group('Admin: audit trail and the admin role', (group) => {
  isolateEachTest(group)

  test('an admin reads sign-in events, newest first', async ({ client, assert }) => {
    const scientist = await createUser()
    await new ApiSession(client).login(scientist.username, 'wrong')
    const admin = await createUser({ roles: ['admin'] })
    const browser = new ApiSession(client)
    await browser.login(admin.username, FACTORY_PASSWORD)

    const response = await browser.get('/api/v1/admin/audit?action=auth.login')
    response.assertStatus(200)
    const events = response.body().data
    assert.lengthOf(events, 2)
    assert.equal(events[0].actorName, admin.username)
    assert.equal(events[0].outcome, 'success')
    assert.equal(events[1].outcome, 'failure')
    assert.equal(events[1].details.usernameDigest, usernameDigest(scientist.username))
    assert.notProperty(events[1].details, 'username')
    assert.equal(response.body().meta.total, 2)
  })

  test('filters by outcome, actor and time range', async ({ client, assert }) => {
    const admin = await createUser({ roles: ['admin'] })
    await new ApiSession(client).login(admin.username, 'wrong')
    const browser = new ApiSession(client)
    await browser.login(admin.username, FACTORY_PASSWORD)

    const failures = await browser.get('/api/v1/admin/audit?outcome=failure')
    assert.deepEqual(
      failures.body().data.map((event: { outcome: string }) => event.outcome),
      ['failure']
    )
    const mine = await browser.get(`/api/v1/admin/audit?actorId=${admin.id}`)
    assert.isTrue(
      mine.body().data.every((event: { actorId: number }) => event.actorId === admin.id)
    )
    const future = await browser.get('/api/v1/admin/audit?from=2999-01-01T00:00:00Z')
    assert.lengthOf(future.body().data, 0)
    const bad = await browser.get('/api/v1/admin/audit?outcome=maybe')
    bad.assertStatus(422)
    assert.equal(bad.body().errors[0].field, 'outcome')
  })

  test('a scientist is refused with 403', async ({ client, assert }) => {
    const scientist = await createUser()
    const browser = new ApiSession(client)
    await browser.login(scientist.username, FACTORY_PASSWORD)

    const response = await browser.get('/api/v1/admin/audit')
    response.assertStatus(403)
    assert.equal(response.body().errors[0].code, 'E_FORBIDDEN')
  })

  test('an anonymous caller is refused with 401', async ({ client }) => {
    ;(await new ApiSession(client).get('/api/v1/admin/audit')).assertStatus(401)
  })

  test("an admin's API token with the admin scope carries the admin role", async ({ client }) => {
    const admin = await createUser({ roles: ['admin'] })
    const browser = new ApiSession(client)
    await browser.login(admin.username, FACTORY_PASSWORD)
    const { token } = (
      await browser.post('/api/v1/auth/tokens', { name: 'ops', expiresInDays: 1, admin: true })
    ).body().data

    ;(await ApiSession.withToken(client, token).get('/api/v1/admin/audit')).assertStatus(200)
  })
})
