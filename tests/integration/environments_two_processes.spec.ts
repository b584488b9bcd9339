import { test } from '@japa/runner'
import { testDatabaseEnv } from '#tests/helpers/replica_env'
import db from '@adonisjs/lucid/services/db'
import env from '#start/env'
import User from '#models/user'
import Environment from '#models/environment'
import { PortalProcess } from '#tests/helpers/portal_process'
import { createHttpImage } from '#tests/helpers/environments'
import { UserFactory, UserRoleFactory } from '#database/factories/user_factory'
import { UserQuotaFactory } from '#database/factories/quota_factory'

/**
 * Quota safety across processes: one user, a quota of 3 environments, 50
 * simultaneous requisitions spread over two portal processes sharing
 * MySQL and the Docker engine.
 */
test.group('Environments across two portal processes', () => {
  test('exactly 3 of 50 simultaneous requisitions succeed; the rest are clean 409s', async ({
    assert,
    cleanup,
  }) => {
    const user = await UserFactory.merge({
      username: `concurrent-${Date.now()}`,
      provider: 'local',
      password: 'a-long-password-for-tests',
      disabled: false,
      email: null,
      displayName: null,
      externalId: null,
    }).create()
    await UserRoleFactory.merge({ userId: user.id, role: 'scientist', source: 'manual' }).create()
    await UserQuotaFactory.merge({
      userId: user.id,
      environments: 3,
      cpuMillicores: 100_000,
      memoryBytes: 1024 ** 4,
      storageBytes: 1024 ** 4,
      gpus: 0,
    }).create()
    const image = await createHttpImage()
    const token = (await User.accessTokens.create(user, ['*'], { name: 'load' })).value!.release()
    cleanup(async () => {
      await db.from('environments').where('user_id', user.id).delete()
      await db.from('images').where('id', image.id).delete()
      await db.from('users').where('id', user.id).delete()
    })

    const shared = {
      ...testDatabaseEnv(),
      APP_KEY: 'shared-app-key-of-both-portal-processes-0123',
      DOCKER_SOCKET: env.get('DOCKER_SOCKET', '/var/run/docker.sock'),
      DOCKER_NETWORK: 'host',
      PORTAL_INSTANCE_ID: env.get('PORTAL_INSTANCE_ID', 'portal-test'),
      ENVIRONMENT_READY_TIMEOUT: '15',
      JOBS_ENABLED: 'false',
    }
    const processes = await Promise.all([PortalProcess.start(shared), PortalProcess.start(shared)])
    cleanup(() => Promise.all(processes.map((portal) => portal.stop())).then(() => {}))

    const requisition = (index: number) =>
      fetch(`${processes[index % 2].baseUrl}/api/v1/environments`, {
        method: 'POST',
        headers: { 'authorization': `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ imageId: image.id }),
        signal: AbortSignal.timeout(30_000),
      }).then(async (response) => ({
        status: response.status,
        body: (await response.json()) as any,
      }))
    const answers = await Promise.all(Array.from({ length: 50 }, (_, index) => requisition(index)))

    const accepted = answers.filter((answer) => answer.status === 202)
    const refused = answers.filter((answer) => answer.status === 409)
    assert.lengthOf(accepted, 3)
    assert.lengthOf(refused, 47)
    assert.isTrue(refused.every((answer) => answer.body.errors[0].code === 'E_QUOTA_EXCEEDED'))
    assert.equal(
      await Environment.query()
        .where('user_id', user.id)
        .count('* as n')
        .first()
        .then((row) => Number(row!.$extras.n)),
      3
    )

    // Wait until they run, then remove them all through the API: nothing may remain.
    const ids = accepted.map((answer) => answer.body.data.id as number)
    const deadline = Date.now() + 45_000
    while (Date.now() < deadline) {
      const states = await Environment.query().whereIn('id', ids).select('state')
      if (states.every((row) => ['running', 'failed'].includes(row.state))) {
        break
      }
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    for (const id of ids) {
      await fetch(`${processes[id % 2].baseUrl}/api/v1/environments/${id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${token}` },
      })
    }
    while (Date.now() < deadline) {
      const states = await Environment.query().whereIn('id', ids).select('state')
      if (states.every((row) => ['removed', 'failed'].includes(row.state))) {
        break
      }
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    const { default: DockerDriver } = await import('#services/provisioning/docker_driver')
    const { default: app } = await import('@adonisjs/core/services/app')
    const driver = await app.container.make(DockerDriver)
    const left = (await driver.list()).filter((instance) => ids.includes(instance.environmentId))
    assert.lengthOf(left, 0)
  }).timeout(120_000)
})
