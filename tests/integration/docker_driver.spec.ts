import { once } from 'node:events'
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import ProvisioningFailedException from '#exceptions/provisioning_failed_exception'
import ProvisioningUnavailableException from '#exceptions/provisioning_unavailable_exception'
import ImagePullFailedException from '#exceptions/image_pull_failed_exception'
import type Docker from 'dockerode'
import DockerDriver, { DOCKER_LABELS } from '#services/provisioning/docker_driver'
import DockerEngines from '#services/provisioning/docker_client'
import type { EnvironmentSpec } from '#services/provisioning/provisioning_driver'
import { driverSpec, type Cleanup, type SpecChanges } from '#tests/helpers/driver_contract'
import { execIn, TEST_IMAGES, testConnection, testEngine } from '#tests/helpers/docker'
import { engineProxy, engineTlsFiles } from '#tests/helpers/engine_proxy'
import { UNREACHABLE_IMAGE } from '#tests/helpers/test_registry'

const SLEEP = ['/bin/sh', '-c', 'exec sleep 3600']
const HTTPD = ['/bin/sh', '-c', 'exec httpd -f -p 127.0.0.1:$PORTAL_SERVICE_PORT -h /tmp']

/** A spec as the environments service would build it: a sleeping busybox by default. */
function environmentSpec(changes: SpecChanges = {}): EnvironmentSpec {
  return driverSpec(
    {
      reference: TEST_IMAGES.busybox,
      protocol: 'http',
      port: 8080,
      command: SLEEP,
      environment: {},
    },
    changes
  )
}

function testDriver() {
  return app.container.make(DockerDriver)
}

/** Creates the environment and removes it when the test ends; records the progress steps. */
async function createEnvironment(driver: DockerDriver, spec: EnvironmentSpec, cleanup: Cleanup) {
  cleanup(() => driver.remove(spec.environmentId))
  const steps: string[] = []
  const result = await driver.create(spec, (step) => steps.push(step))
  return { ...result, steps }
}

async function listed(driver: DockerDriver, environmentId: number) {
  return (await driver.list()).filter((state) => state.environmentId === environmentId)
}

/** A host folder the container's non-root users can traverse. */
async function hostFolder(cleanup: Cleanup) {
  const dir = await mkdtemp(join(tmpdir(), 'portal-docker-'))
  cleanup(() => rm(dir, { recursive: true, force: true }))
  await chmod(dir, 0o755)
  return dir
}

// What every driver does (lifecycle, naming, ownership, root, refusals, outages): driver_contract.spec.ts.
test.group('Docker driver | real engine', () => {
  test('runs the container with the quota limits, hardening, identity and labels', async ({
    assert,
    cleanup,
  }) => {
    const driver = await testDriver()
    const spec = environmentSpec({
      runAs: { uid: 4242, gid: 4343 },
      resources: { cpuMillicores: 500, memoryBytes: 96 * 1024 ** 2, storageBytes: 0, gpus: 0 },
    })
    const { engineId, endpoint, steps } = await createEnvironment(driver, spec, cleanup)
    assert.deepEqual(steps, ['image', 'created'])
    assert.equal(endpoint.host, '127.0.0.1')
    assert.isAbove(endpoint.port, 0)

    const info = await driver.inspect(engineId)
    assert.equal(info.Name, `/portal-test-env-${spec.environmentId}`)
    assert.include(info.HostConfig, {
      Memory: 96 * 1024 ** 2,
      MemorySwap: 96 * 1024 ** 2,
      NanoCpus: 500_000_000,
      PidsLimit: 1024,
      Init: true,
      Privileged: false,
      ReadonlyRootfs: false,
      NetworkMode: 'host',
    })
    assert.deepEqual(info.HostConfig.CapDrop, ['ALL'])
    assert.deepEqual(info.HostConfig.SecurityOpt, ['no-new-privileges'])
    assert.equal(info.Config.User, '4242:4343')
    assert.deepEqual(info.Config.Labels, {
      [DOCKER_LABELS.instance]: 'portal-test',
      [DOCKER_LABELS.environment]: String(spec.environmentId),
      [DOCKER_LABELS.owner]: '77',
      [DOCKER_LABELS.port]: String(endpoint.port),
    })
    assert.notInclude(JSON.stringify(info.Config.Labels), spec.secret)

    // What the processes inside really get.
    const client = await testEngine()
    const run = async (script: string) => {
      const result = await execIn(client, engineId, ['/bin/sh', '-c', script])
      assert.equal(result.exitCode, 0, result.stderr)
      return result.stdout.trim()
    }
    assert.equal(await run('id -u; id -g'), '4242\n4343')
    assert.match(await run('grep CapEff /proc/self/status'), /CapEff:\s+0{16}$/)
    assert.match(await run('grep NoNewPrivs /proc/self/status'), /NoNewPrivs:\s+1$/)
    const memory = await run(
      'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes'
    )
    assert.equal(memory, String(96 * 1024 ** 2))
    const pids = await run(
      'cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max'
    )
    assert.equal(pids, '1024')
    assert.equal(await run('cat /proc/1/comm'), 'docker-init', 'an init is PID 1')
  })

  test('runs as the configured non-root user when the spec names none', async ({
    assert,
    cleanup,
  }) => {
    const driver = await testDriver()
    const { engineId } = await createEnvironment(driver, environmentSpec(), cleanup)
    const result = await execIn(await testEngine(), engineId, ['id', '-u'])
    assert.equal(result.stdout.trim(), '1000')
  })

  test('binds the dataset read-only, the output read-write and the site mounts read-only', async ({
    assert,
    cleanup,
  }) => {
    const dir = await hostFolder(cleanup)
    await mkdir(join(dir, 'raw'))
    await writeFile(join(dir, 'raw/scan.h5'), 'detector frames')
    await mkdir(join(dir, 'output'))
    // Written by the environment's user, not by root.
    await chmod(join(dir, 'output'), 0o777)
    await mkdir(join(dir, 'site'))
    await writeFile(join(dir, 'site/README'), 'facility software')

    const driver = new DockerDriver({
      siteMounts: [{ hostPath: join(dir, 'site'), containerPath: '/opt/site', mode: 'ro' }],
    })
    const spec = environmentSpec({
      mounts: [
        { hostPath: join(dir, 'raw'), containerPath: '/data/raw', mode: 'ro' },
        { hostPath: join(dir, 'output'), containerPath: '/output', mode: 'rw' },
      ],
    })
    const { engineId } = await createEnvironment(driver, spec, cleanup)

    const client = await testEngine()
    const sh = (script: string) => execIn(client, engineId, ['/bin/sh', '-c', script])
    assert.equal((await sh('cat /data/raw/scan.h5')).stdout, 'detector frames')
    assert.equal((await sh('cat /opt/site/README')).stdout, 'facility software')

    for (const path of ['/data/raw/new', '/data/raw/scan.h5', '/opt/site/new']) {
      const refused = await sh(`echo x > ${path}`)
      assert.notEqual(refused.exitCode, 0, path)
      assert.include(refused.stderr, 'Read-only file system', path)
    }
    assert.equal(await readFile(join(dir, 'raw/scan.h5'), 'utf8'), 'detector frames')

    const written = await sh('echo result > /output/x')
    assert.equal(written.exitCode, 0, written.stderr)
    assert.equal(await readFile(join(dir, 'output/x'), 'utf8'), 'result\n')

    const info = await driver.inspect(engineId)
    assert.sameDeepMembers(
      info.Mounts.map((mount) => [mount.Type, mount.Destination, mount.RW]),
      [
        ['bind', '/data/raw', false],
        ['bind', '/output', true],
        ['bind', '/opt/site', false],
      ]
    )
  })

  test('passes each environment its own secret, port, id and image environment', async ({
    assert,
    cleanup,
  }) => {
    const driver = await testDriver()
    const client = await testEngine()
    const specs = [
      environmentSpec({ image: { environment: { GREETING: 'hello', PORTAL_SECRET: 'spoofed' } } }),
      environmentSpec(),
    ]
    for (const spec of specs) {
      const { engineId, endpoint } = await createEnvironment(driver, spec, cleanup)
      const { stdout } = await execIn(client, engineId, [
        '/bin/sh',
        '-c',
        'echo "$PORTAL_SECRET|$PORTAL_SERVICE_PORT|$PORTAL_ENVIRONMENT_ID|$GREETING"',
      ])
      const greeting = spec.image.environment.GREETING ?? ''
      assert.equal(
        stdout.trim(),
        `${spec.secret}|${endpoint.port}|${spec.environmentId}|${greeting}`,
        'the image cannot override the PORTAL_* variables'
      )
    }
    assert.notEqual(specs[0].secret, specs[1].secret)
  })

  test('waits until the service answers on its loopback port', async ({ assert, cleanup }) => {
    const driver = await testDriver()
    const { endpoint } = await createEnvironment(
      driver,
      environmentSpec({ image: { command: HTTPD } }),
      cleanup
    )
    await driver.waitUntilReady(endpoint, 10_000)
    const response = await fetch(`http://127.0.0.1:${endpoint.port}/`)
    assert.isAtLeast(response.status, 200, 'busybox httpd answers HTTP')
    await response.body?.cancel()

    // The image's own command, when the spec has none.
    const byDefault = await createEnvironment(
      driver,
      environmentSpec({ image: { reference: TEST_IMAGES.httpd, command: null } }),
      cleanup
    )
    await driver.waitUntilReady(byDefault.endpoint, 10_000)
  })

  test('gives up early on a service that exits before answering', async ({ assert, cleanup }) => {
    const driver = await testDriver()
    const spec = environmentSpec({ image: { command: ['/bin/sh', '-c', 'sleep 0.3; exit 3'] } })
    const { endpoint } = await createEnvironment(driver, spec, cleanup)
    const started = Date.now()
    const error = await driver.waitUntilReady(endpoint, 10_000).catch((caught) => caught)
    assert.instanceOf(error, ProvisioningFailedException)
    assert.equal(
      error.message,
      'The environment stopped before answering on its port (exit code 3)'
    )
    assert.isBelow(Date.now() - started, 3000, 'not the whole ready timeout')
  })

  test('a container without network has no endpoint and is ready at once', async ({
    assert,
    cleanup,
  }) => {
    const driver = new DockerDriver({ network: 'none' })
    const { engineId, endpoint } = await createEnvironment(driver, environmentSpec(), cleanup)
    assert.deepEqual(endpoint, { host: '', port: 0 })
    await driver.waitUntilReady(endpoint, 1)
    assert.equal((await driver.inspect(engineId)).HostConfig.NetworkMode, 'none')
  })

  test('an image it cannot pull is a failed pull, leaving no container or image', async ({
    assert,
    cleanup,
  }) => {
    const driver = await testDriver()
    const spec = environmentSpec({ image: { reference: UNREACHABLE_IMAGE } })
    cleanup(() => driver.remove(spec.environmentId))
    const steps: string[] = []

    const error = await driver.create(spec, (step) => steps.push(step)).catch((caught) => caught)
    assert.instanceOf(error, ImagePullFailedException)
    assert.equal(
      error.message,
      `The registry of image "${UNREACHABLE_IMAGE}" could not be reached while pulling it`
    )
    assert.equal(error.status, 502)
    assert.deepEqual(steps, ['pull'])
    assert.deepEqual(await listed(driver, spec.environmentId), [])
    const images = await (
      await testEngine()
    ).listImages({
      filters: { reference: [UNREACHABLE_IMAGE.split(':0')[0]] },
    })
    assert.lengthOf(images, 0)
  })

  test('refuses {label} without leaving a container')
    .with([
      {
        label: 'a GPU on an engine without any',
        changes: {
          resources: { cpuMillicores: 100, memoryBytes: 32 * 1024 ** 2, storageBytes: 0, gpus: 1 },
        },
        message: 'No GPU is available on the engine',
        // Refused at start: the created container is removed again.
        steps: ['image', 'created'],
      },
      {
        label: 'more CPUs than the host has',
        changes: {
          resources: {
            cpuMillicores: 10_000_000,
            memoryBytes: 32 * 1024 ** 2,
            storageBytes: 0,
            gpus: 0,
          },
        },
        message: 'The engine host has fewer CPUs than requested',
        steps: ['image'],
      },
      {
        label: 'a mount whose host folder is missing',
        changes: {
          mounts: [
            {
              hostPath: '/nonexistent/portal/raw',
              containerPath: '/data/raw',
              mode: 'ro' as const,
            },
          ],
        },
        message: 'A folder to mount is missing on the engine host',
        steps: ['image'],
      },
    ])
    .run(async ({ assert, cleanup }, row) => {
      const driver = await testDriver()
      const spec = environmentSpec(row.changes)
      cleanup(() => driver.remove(spec.environmentId))
      const steps: string[] = []

      const error = await driver.create(spec, (step) => steps.push(step)).catch((caught) => caught)
      assert.instanceOf(error, ProvisioningFailedException)
      assert.equal(error.message, row.message)
      assert.notInclude(error.message, spec.secret)
      assert.deepEqual(steps, row.steps)
      assert.deepEqual(await listed(driver, spec.environmentId), [], 'no orphan container')
    })

  // Stop, start and remove again, and of one that is gone: the driver contract.
  test('stop keeps the container and stops at once; start runs the same container on the same port', async ({
    assert,
    cleanup,
  }) => {
    const driver = await testDriver()
    const spec = environmentSpec({ image: { command: HTTPD } })
    const created = await createEnvironment(driver, spec, cleanup)
    await driver.waitUntilReady(created.endpoint, 10_000)

    const stopping = Date.now()
    await driver.stop(spec)
    assert.isBelow(Date.now() - stopping, 5000, 'the init forwards SIGTERM: no grace period wait')
    const [stopped] = await listed(driver, spec.environmentId)
    assert.deepInclude(stopped, { engineId: created.engineId, running: false })
    assert.match(stopped.status, /^exited \(\d+\)$/)

    const steps: string[] = []
    const restarted = await driver.start(spec, (step) => steps.push(step))
    assert.deepEqual(restarted, { engineId: created.engineId, endpoint: created.endpoint })
    assert.deepEqual(steps, [])
    await driver.waitUntilReady(restarted.endpoint, 10_000)
  })

  test('lists and removes only the containers labelled as this instance', async ({
    assert,
    cleanup,
  }) => {
    const driver = await testDriver()
    const spec = environmentSpec()
    const ours = await createEnvironment(driver, spec, cleanup)

    const client = await testEngine()
    const strangers = []
    const labelSets: Record<string, string>[] = [
      { [DOCKER_LABELS.environment]: String(spec.environmentId) },
      {
        [DOCKER_LABELS.instance]: 'another-portal',
        [DOCKER_LABELS.environment]: String(spec.environmentId),
      },
    ]
    for (const labels of labelSets) {
      const container = await client.createContainer({
        Image: TEST_IMAGES.busybox,
        Labels: labels,
        HostConfig: { NetworkMode: 'none', Init: true },
      })
      cleanup(() => container.remove({ force: true }).then(() => {}))
      await container.start()
      strangers.push(container.id)
    }

    const engineIds = (await driver.list()).map((state) => state.engineId)
    assert.include(engineIds, ours.engineId)
    assert.notIncludeMembers(engineIds, strangers)
    const other = new DockerDriver({ instanceId: 'another-portal' })
    assert.deepEqual(
      (await other.list()).map((state) => state.engineId),
      [strangers[1]]
    )

    await driver.remove(spec.environmentId)
    const left = await client.listContainers({ all: true, filters: { id: strangers } })
    assert.sameMembers(
      left.map((container) => container.Id),
      strangers,
      "another installation's containers are never touched"
    )
  })

  test('skips the storage limit on an engine that cannot enforce it', async ({
    assert,
    cleanup,
  }) => {
    const driver = await testDriver()
    const spec = environmentSpec({
      resources: {
        cpuMillicores: 100,
        memoryBytes: 32 * 1024 ** 2,
        storageBytes: 1024 ** 3,
        gpus: 0,
      },
    })
    const { engineId } = await createEnvironment(driver, spec, cleanup)
    const { storageLimits, storageDriver } = await driver.engineInfo()
    const storageOpt = (await driver.inspect(engineId)).HostConfig.StorageOpt
    if (storageLimits) {
      assert.deepEqual(storageOpt, { size: String(1024 ** 3) }, storageDriver)
    } else {
      assert.isEmpty(storageOpt ?? {}, storageDriver)
    }
  })
})

test.group('Docker driver | bursts', () => {
  // 100 requisitions at once ran every create and start past DOCKER_TIMEOUT on a small
  // engine, and a third of them failed "unavailable" (docs/benchmarks.md, issue 16).
  test('sends at most DOCKER_MAX_PARALLEL_STARTS creates and starts at once; the rest queue and run', async ({
    assert,
    cleanup,
  }) => {
    // The real engine, its calls counted on the way: a driver of its own with these engines.
    const engines = new DockerEngines()
    const { client } = await engines.connect(testConnection())
    let inFlight = 0
    let peak = 0
    const counted = async <T>(call: () => Promise<T>) => {
      peak = Math.max(peak, ++inFlight)
      try {
        return await call()
      } finally {
        inFlight--
      }
    }
    const createContainer = client.createContainer.bind(client)
    client.createContainer = async (options: Docker.ContainerCreateOptions) => {
      const container = await counted(() => createContainer(options))
      const start = container.start.bind(container)
      container.start = () => counted(() => start())
      return container
    }
    const driver = new DockerDriver({ maxParallelStarts: 2 }, engines)

    const specs = Array.from({ length: 6 }, () => environmentSpec())
    for (const spec of specs) {
      cleanup(() => driver.remove(spec.environmentId))
    }
    const created = await Promise.all(specs.map((spec) => driver.create(spec, () => {})))

    assert.equal(peak, 2)
    const running = (await driver.list()).filter((state) =>
      specs.some((spec) => spec.environmentId === state.environmentId)
    )
    assert.sameMembers(
      running.map((state) => state.engineId),
      created.map((result) => result.engineId)
    )
    assert.isTrue(running.every((state) => state.running))
  }).timeout(60_000)

  test('simultaneous pings share one call to the engine', async ({ assert }) => {
    const engines = new DockerEngines()
    const { client } = await engines.connect(testConnection())
    let pings = 0
    const ping = client.ping.bind(client)
    client.ping = (() => {
      pings++
      return ping()
    }) as typeof client.ping
    const driver = new DockerDriver({}, engines)
    await Promise.all(Array.from({ length: 5 }, () => driver.ping()))
    assert.equal(pings, 1)
    await driver.ping()
    assert.equal(pings, 2, 'a later ping asks again')
  })
})

test.group('Docker driver | engine over TCP', () => {
  test('reaches an engine on tcp://', async ({ assert, cleanup }) => {
    const proxy = await engineProxy(testConnection().socketPath)
    cleanup(() => proxy.close())
    const driver = new DockerDriver({
      connection: { ...testConnection(), hostUrl: `tcp://127.0.0.1:${proxy.port}` },
    })
    await driver.ping()
    assert.isArray(await driver.list())
  })

  test('reaches an engine that requires TLS client certificates', async ({ assert, cleanup }) => {
    const dir = await hostFolder(cleanup)
    const { files, server } = await engineTlsFiles(dir)
    const proxy = await engineProxy(testConnection().socketPath, server)
    cleanup(() => proxy.close())
    const hostUrl = `tcp://127.0.0.1:${proxy.port}`

    const driver = new DockerDriver({ connection: { ...testConnection(), hostUrl, tls: files } })
    await driver.ping()
    assert.match((await driver.engineInfo()).apiVersion, /^1\.\d+$/)

    for (const tls of [{}, { ...files, ca: files.cert }]) {
      const refused = new DockerDriver({ connection: { ...testConnection(), hostUrl, tls } })
      const error = await refused.ping().catch((caught) => caught)
      assert.instanceOf(error, ProvisioningUnavailableException)
    }
  })
})

test.group('Docker driver | engine unavailable', () => {
  test('an engine that never answers is unavailable after the timeout', async ({
    assert,
    cleanup,
  }) => {
    const dir = await hostFolder(cleanup)
    const socketPath = join(dir, 'silent.sock')
    const sockets = new Set<Socket>()
    const silent = createServer((socket) => sockets.add(socket)).listen(socketPath)
    await once(silent, 'listening')
    cleanup(() => {
      sockets.forEach((socket) => socket.destroy())
      silent.close()
    })
    const driver = new DockerDriver({
      connection: { ...testConnection(), socketPath, timeoutMs: 300 },
    })

    const started = Date.now()
    const error = await driver.ping().catch((caught) => caught)
    assert.instanceOf(error, ProvisioningUnavailableException)
    assert.isBelow(Date.now() - started, 2000)
  })
})
