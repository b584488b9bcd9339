import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import DockerDriver from '#services/provisioning/docker_driver'
import type { EnvironmentSpec } from '#services/provisioning/provisioning_driver'
import { execIn, TEST_IMAGES, testEngine } from '#tests/helpers/docker'

let lastEnvironmentId = 8_000_000 + Math.floor(Math.random() * 900_000)

function spec(readOnlyRootFilesystem: boolean): EnvironmentSpec {
  const environmentId = ++lastEnvironmentId
  return {
    environmentId,
    name: `env-${environmentId}`,
    owner: { id: 77, username: 'alice' },
    resources: { cpuMillicores: 250, memoryBytes: 32 * 1024 ** 2, storageBytes: 0, gpus: 0 },
    runAs: null,
    mounts: [],
    secret: 'read-only',
    image: {
      reference: TEST_IMAGES.busybox,
      protocol: 'http',
      port: 8080,
      command: ['/bin/sh', '-c', 'exec sleep 3600'],
      environment: {},
      readOnlyRootFilesystem,
    },
  }
}

test.group('Docker driver | read-only root file system (image catalogue flag)', () => {
  test('an image flagged read-only runs on a read-only root with a writable /tmp; one without the flag as before', async ({
    assert,
    cleanup,
  }) => {
    const driver = await app.container.make(DockerDriver)
    const client = await testEngine()
    for (const flag of [true, false]) {
      const environment = spec(flag)
      cleanup(() => driver.remove(environment.environmentId))
      const { engineId } = await driver.create(environment, () => {})
      const info = await driver.inspect(engineId)
      assert.equal(info.HostConfig.ReadonlyRootfs, flag)

      const sh = (script: string) => execIn(client, engineId, ['/bin/sh', '-c', script])
      const mounts = (await sh('cat /proc/mounts')).stdout.split('\n')
      const root = mounts.find((line) => line.split(' ')[1] === '/')!
      assert.equal(root.split(' ')[3].split(',')[0], flag ? 'ro' : 'rw', root)
      const tmp = mounts.find((line) => line.split(' ')[1] === '/tmp')
      if (flag) {
        assert.equal(tmp?.split(' ')[2], 'tmpfs')
      }
      assert.equal((await sh('echo scratch > /tmp/x && cat /tmp/x')).stdout.trim(), 'scratch')
    }
  })
})
