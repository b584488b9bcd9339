import { setTimeout as sleep } from 'node:timers/promises'
import {
  chmod,
  chown,
  lstat,
  mkdir,
  mkdtemp,
  realpath,
  rename,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import { confineMounts, reverifyMounts, type MountPolicy } from '#domain/dataset_mounts'
import DockerDriver from '#services/provisioning/docker_driver'
import type { EnvironmentSpec } from '#services/provisioning/provisioning_driver'
import { execIn, TEST_IMAGES, testEngine } from '#tests/helpers/docker'

/*
 * The time-of-check/time-of-use window on bind mounts, raced on the real
 * test engine. The attacker is a workload: a container running as a
 * non-root user with its own output folder mounted read-write, swapping a
 * folder inside it for a symbolic link to a host folder outside the roots
 * and back, as fast as it can, while the portal checks and launches a
 * mount of that folder again and again. What the engine mounted is read
 * from inside each launched container.
 */

type Cleanup = (fn: () => void | Promise<void>) => void

const WORKLOAD_UID = 1000
let lastEnvironmentId = 9_000_000 + Math.floor(Math.random() * 900_000)

/**
 * <tmp>/datasets, <tmp>/output (root, 0755): the roots
 * <tmp>/output/shared (uid 1000): an experiment's output folder, writable by its workload
 * <tmp>/output/shared/sub/INSIDE: a folder another mount names
 * <tmp>/outside/OUTSIDE: what no mount may ever show
 */
async function hostTree(cleanup: Cleanup) {
  const dir = await mkdtemp(join(tmpdir(), 'portal-race-'))
  cleanup(() => rm(dir, { recursive: true, force: true }))
  await chmod(dir, 0o755)
  const tmp = await realpath(dir)
  const at = (path: string) => join(tmp, path)
  for (const folder of ['datasets', 'output/shared/sub', 'output/p1', 'outside']) {
    await mkdir(at(folder), { recursive: true, mode: 0o755 })
  }
  await writeFile(at('output/shared/sub/INSIDE'), 'inside')
  await writeFile(at('output/p1/INSIDE'), 'inside')
  await writeFile(at('outside/OUTSIDE'), 'secret')
  await chown(at('output/shared'), WORKLOAD_UID, WORKLOAD_UID)
  await chown(at('output/shared/sub'), WORKLOAD_UID, WORKLOAD_UID)
  await chown(at('output/p1'), WORKLOAD_UID, WORKLOAD_UID)
  const policy: MountPolicy = {
    datasetsRoot: at('datasets'),
    outputRoot: at('output'),
    containerRoots: { ro: '/data', rw: '/output' },
  }
  return { at, policy }
}

/** A workload swapping `<folder>/<name>` for a link to `target` and back, forever. */
async function swapper(cleanup: Cleanup, folder: string, name: string, target: string) {
  const client = await testEngine()
  // Stops at the first refused rename (permission denied) and says so.
  const loop = `cd /w || exit 9; while mv ${name} real; do ln -s ${target} ${name}; usleep 500; rm -f ${name}; mv real ${name}; usleep 5000; done`
  const container = await client.createContainer({
    Image: TEST_IMAGES.busybox,
    User: `${WORKLOAD_UID}:${WORKLOAD_UID}`,
    Cmd: ['/bin/sh', '-c', `${loop} 2>/dev/null; echo failed > /tmp/failed; exec sleep 3600`],
    Labels: { 'facility-portal.test': 'mount-race' },
    HostConfig: {
      Init: true,
      NetworkMode: 'none',
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Binds: [`${folder}:/w`],
    },
  })
  cleanup(() => container.remove({ force: true }))
  await container.start()
  return { client, id: container.id }
}

function spec(mounts: EnvironmentSpec['mounts']): EnvironmentSpec {
  const environmentId = ++lastEnvironmentId
  return {
    environmentId,
    name: `env-${environmentId}`,
    owner: { id: 77, username: 'alice' },
    resources: { cpuMillicores: 250, memoryBytes: 32 * 1024 ** 2, storageBytes: 0, gpus: 0 },
    runAs: null,
    mounts,
    secret: 'race',
    image: {
      reference: TEST_IMAGES.busybox,
      protocol: 'http',
      port: 8080,
      command: ['/bin/sh', '-c', 'exec sleep 3600'],
      environment: {},
    },
  }
}

/** What a launched container sees at a mount point: its file names. */
async function seen(containerId: string, path: string) {
  const client = await testEngine()
  const { stdout } = await execIn(client, containerId, ['/bin/ls', '-a', path])
  return stdout.split('\n').filter((name) => name && name !== '.' && name !== '..')
}

test.group('Mount races | real engine', () => {
  test('a workload swapping a folder above a mount for a link never gets a host path outside the roots mounted', async ({
    assert,
    cleanup,
  }) => {
    const { at, policy } = await hostTree(cleanup)
    await swapper(cleanup, at('output/shared'), 'sub', at('outside'))

    // The swap really happens on the host (the link stands ~0.5 ms of each ~5.5 ms turn, and
    // a loaded machine stretches the turns: watch for up to 10 s, not a count of looks).
    let swapped = false
    const watchUntil = Date.now() + 10_000
    while (!swapped && Date.now() < watchUntil) {
      swapped = await lstat(at('output/shared/sub'))
        .then((info) => info.isSymbolicLink())
        .catch(() => false)
    }
    assert.isTrue(swapped, 'the workload swaps the folder for a link')

    const driver = await app.container.make(DockerDriver)
    const raw = JSON.stringify({ [at('output/shared/sub')]: { bind: 'sub', mode: 'rw' } })
    const codes: string[] = []
    let launched = 0
    // Until the check has met the real folder (not the link) 10 times.
    for (let attempt = 0; attempt < 1000; attempt++) {
      const check = await confineMounts(raw, policy)
      codes.push(...check.errors.map((error) => error.code))
      if (codes.filter((code) => code === 'E_MOUNT_UNSAFE_PARENT').length >= 10) {
        break
      }
      if (!check.launchable) {
        continue
      }
      const environment = spec(check.mounts)
      cleanup(() => driver.remove(environment.environmentId))
      const { engineId } = await driver.create(environment, () => {})
      launched++
      const names = await seen(engineId, '/output/sub')
      assert.notInclude(names, 'OUTSIDE', 'a host folder outside the roots was mounted')
      await driver.remove(environment.environmentId)
    }
    // The folder's parent belongs to the workload: it is never mounted, swap or no swap.
    assert.equal(launched, 0)
    // Under load the check may meet the real folder less often; once proves the rule applied.
    assert.isAtLeast(
      codes.filter((code) => code === 'E_MOUNT_UNSAFE_PARENT').length,
      1,
      `refusals: ${[...new Set(codes)].join(', ')}`
    )
  }).timeout(120_000)

  test('below root-owned folders the workload cannot swap, and every launch mounts the folder checked', async ({
    assert,
    cleanup,
  }) => {
    const { at, policy } = await hostTree(cleanup)
    // The workload has the whole output root mounted read-write and tries the same trick on p1.
    const attacker = await swapper(cleanup, at('output'), 'p1', at('outside'))
    let gaveUp = ''
    for (let i = 0; i < 50 && gaveUp !== 'failed'; i++) {
      await sleep(100)
      const { stdout } = await execIn(attacker.client, attacker.id, ['/bin/cat', '/tmp/failed'])
      gaveUp = stdout.trim()
    }
    assert.equal(gaveUp, 'failed', 'the loop gave up: permission denied')
    assert.isTrue((await lstat(at('output/p1'))).isDirectory(), 'p1 was never renamed')

    const driver = await app.container.make(DockerDriver)
    const raw = JSON.stringify({ [at('output/p1')]: { bind: '', mode: 'rw' } })
    for (let attempt = 0; attempt < 5; attempt++) {
      const check = await confineMounts(raw, policy)
      assert.deepEqual(check.errors, [])
      const environment = spec(check.mounts)
      cleanup(() => driver.remove(environment.environmentId))
      const { engineId } = await driver.create(environment, () => {})
      assert.deepEqual(await seen(engineId, '/output'), ['INSIDE'])
      assert.deepEqual(await reverifyMounts(check.mounts, policy), [])
      await driver.remove(environment.environmentId)
    }
  }).timeout(120_000)

  test('a folder swapped for a link after the check is caught when the mounts are checked again', async ({
    assert,
    cleanup,
  }) => {
    const { at, policy } = await hostTree(cleanup)
    const raw = JSON.stringify({ [at('output/p1')]: { bind: '', mode: 'rw' } })
    const check = await confineMounts(raw, policy)
    assert.isTrue(check.launchable)
    assert.deepEqual(await reverifyMounts(check.mounts, policy), [])

    // Someone with rights on the output root (not a workload) swaps it meanwhile.
    await rename(at('output/p1'), at('output/p1-real'))
    await symlink(at('outside'), at('output/p1'))
    const errors = await reverifyMounts(check.mounts, policy)
    assert.deepEqual(
      errors.map((error) => error.code),
      ['E_MOUNT_CHANGED']
    )
    assert.notInclude(JSON.stringify(errors), at('outside'), 'the link target is never echoed')

    // A parent that became writable by others is refused too.
    await rm(at('output/p1'))
    await rename(at('output/p1-real'), at('output/p1'))
    await chmod(at('output'), 0o777)
    assert.deepEqual(
      (await reverifyMounts(check.mounts, policy)).map((error) => error.code),
      ['E_MOUNT_CHANGED']
    )
    assert.deepEqual(
      (await confineMounts(raw, policy)).errors.map((error) => error.code),
      ['E_MOUNT_UNSAFE_PARENT']
    )
    // A site that trusts another owner for its folders says so.
    await chmod(at('output'), 0o755)
    await chown(at('output'), 4242, 4242)
    assert.isFalse((await confineMounts(raw, policy)).launchable)
    assert.isTrue((await confineMounts(raw, { ...policy, trustedOwners: [0, 4242] })).launchable)
  })
})
