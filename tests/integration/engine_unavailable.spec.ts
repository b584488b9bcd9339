import { test } from '@japa/runner'
import { testDatabaseEnv } from '#tests/helpers/replica_env'
import db from '@adonisjs/lucid/services/db'
import User from '#models/user'
import { HttpBrowser, PortalProcess } from '#tests/helpers/portal_process'
import { createHttpImage } from '#tests/helpers/environments'
import { UserFactory, UserRoleFactory } from '#database/factories/user_factory'

/*
 * A portal whose Docker engine cannot be reached: it says it is not ready,
 * and a requisition answers 503 at once with nothing recorded.
 */
test.group('Docker engine unavailable', () => {
  test('requisitions answer 503 and record nothing; readiness fails', async ({
    assert,
    cleanup,
  }) => {
    const user = await UserFactory.merge({
      username: `no-engine-${Date.now()}`,
      provider: 'local',
      password: 'a-long-password-for-tests',
      disabled: false,
      email: null,
      displayName: null,
      externalId: null,
    }).create()
    await UserRoleFactory.merge({ userId: user.id, role: 'scientist', source: 'manual' }).create()
    const image = await createHttpImage()
    const token = (await User.accessTokens.create(user, ['*'], { name: 'x' })).value!.release()
    cleanup(async () => {
      await db.from('images').where('id', image.id).delete()
      await db.from('users').where('id', user.id).delete()
    })

    const portal = await PortalProcess.start({
      ...testDatabaseEnv(),
      APP_KEY: 'an-app-key-for-this-test-only-0123456789',
      DOCKER_SOCKET: '/nonexistent/docker.sock',
      DOCKER_TIMEOUT: '2',
      JOBS_ENABLED: 'false',
    })
    cleanup(() => portal.stop())

    const startedAt = Date.now()
    const response = await fetch(`${portal.baseUrl}/api/v1/environments`, {
      method: 'POST',
      headers: { 'authorization': `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ imageId: image.id }),
      signal: AbortSignal.timeout(10_000),
    })
    assert.equal(response.status, 503)
    const body = (await response.json()) as any
    assert.equal(body.errors[0].code, 'E_PROVISIONING_UNAVAILABLE')
    assert.isBelow(Date.now() - startedAt, 5000)
    const count = await db.from('environments').where('user_id', user.id).count('* as n').first()
    assert.equal(Number(count.n), 0)

    const ready = await new HttpBrowser(portal.baseUrl).request('GET', '/health/ready')
    assert.equal(ready.status, 503)
    const compute = ready.body.checks.find((check: { name: string }) => check.name === 'compute')
    assert.equal(compute.status, 'error')
  })
})
