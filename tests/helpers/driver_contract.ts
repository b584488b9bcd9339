import { test } from '@japa/runner'
import type { Assert } from '@japa/assert'
import ProvisioningFailedException from '#exceptions/provisioning_failed_exception'
import ProvisioningUnavailableException from '#exceptions/provisioning_unavailable_exception'
import { engineObjectName } from '#domain/compute'
import type {
  EnvironmentSpec,
  ProvisioningDriver,
} from '#services/provisioning/provisioning_driver'

export type Cleanup = (fn: () => void | Promise<void>) => void

export type SpecChanges = Partial<Omit<EnvironmentSpec, 'image'>> & {
  image?: Partial<EnvironmentSpec['image']>
}

// Far above the database's ids, and different each run: an engine shared
// with other runs (an exported DOCKER_SOCKET) sees no clash.
let lastEnvironmentId = 1_000_000 + Math.floor(Math.random() * 8_000_000)

/**
 * A spec as the environments service would build it, running `image`, with
 * a fresh environment id (unless `changes` names one) and its name for `instanceId`.
 */
export function driverSpec(
  image: EnvironmentSpec['image'],
  changes: SpecChanges = {},
  instanceId = 'portal-test'
): EnvironmentSpec {
  const environmentId = changes.environmentId ?? ++lastEnvironmentId
  return {
    name: engineObjectName(instanceId, environmentId),
    owner: { id: 77, username: 'alice' },
    resources: { cpuMillicores: 500, memoryBytes: 64 * 1024 ** 2, storageBytes: 0, gpus: 0 },
    runAs: null,
    mounts: [],
    secret: `secret-${Math.random().toString(36).slice(2)}`,
    ...changes,
    environmentId,
    image: { ...image, ...changes.image },
  }
}

/** What a driver may be built with in the contract: the options every driver has. */
export type ContractOptions = {
  instanceId?: string
  defaultUser?: { uid: number; gid: number }
}

/**
 * One driver on its engine (a real one, or an API stand-in), as the
 * contract needs it. A new driver passes the contract by providing this.
 */
export type DriverUnderTest = {
  /** A driver of the instance "portal-test" (or `options.instanceId`) on the engine under test. */
  driver(options?: ContractOptions): ProvisioningDriver
  /**
   * A spec with a fresh environment id whose service answers on its port
   * once started; `image.reference` may be one of `images`.
   */
  spec(changes?: SpecChanges): EnvironmentSpec
  images: {
    /** Runs, but its service never answers. */
    silent: Partial<EnvironmentSpec['image']>
    /** The engine cannot run it (missing, cannot be pulled). */
    missing: Partial<EnvironmentSpec['image']>
  }
  /** The steps create reports, when the driver's are fixed (exactly these, in order). */
  createSteps?: string[]
  /** The steps start reports when it has to create the environment again. */
  recreateSteps?: string[]
  /** A driver nobody answers for, and how soon each call must say so. */
  unreachable(): Promise<{ driver: ProvisioningDriver; withinMs: number }>
  /** The environment's engine objects as "kind/name", read behind the driver's back. */
  objects(environmentId: number): Promise<string[]>
  /** Checks every contract test ends with (e.g. the stand-in saw no invalid manifest). */
  verify?(assert: Assert): void | Promise<void>
}

/** The engine states of one environment, as the driver lists them. */
async function listed(driver: ProvisioningDriver, environmentId: number) {
  return (await driver.list()).filter((state) => state.environmentId === environmentId)
}

/**
 * The contract every provisioning driver keeps (provisioning_driver.ts),
 * run against each driver by its own spec file with a factory of
 * `DriverUnderTest`: lifecycle and idempotency, not-found behaviour,
 * naming from the spec, ownership, refusals and outages as coded
 * exceptions. What is particular to one driver stays in that driver's tests.
 */
export function driverContract(
  title: string,
  underTest: (cleanup: Cleanup) => Promise<DriverUnderTest>
) {
  /** The subject, its default driver, and the verification at the end of the test. */
  async function setUp(cleanup: Cleanup, assert: Assert) {
    const subject = await underTest(cleanup)
    const driver = subject.driver()
    cleanup(() => subject.verify?.(assert))
    return { subject, driver }
  }

  /** Creates an environment that is removed when the test ends. */
  async function created(
    driver: ProvisioningDriver,
    spec: EnvironmentSpec,
    cleanup: Cleanup,
    steps: string[] = []
  ) {
    cleanup(() => driver.remove(spec.environmentId))
    return driver.create(spec, (step) => steps.push(step))
  }

  test.group(`Driver contract | ${title}`, () => {
    test('create runs it, stop and start keep it, remove deletes it; each may be repeated', async ({
      assert,
      cleanup,
    }) => {
      const { subject, driver } = await setUp(cleanup, assert)
      const spec = subject.spec()
      const steps: string[] = []
      const first = await created(driver, spec, cleanup, steps)
      assert.notInclude(steps, 'started', 'running is told by resolving; the lifecycle journals it')
      if (subject.createSteps) {
        assert.deepEqual(steps, subject.createSteps)
      }
      await driver.waitUntilReady(first.endpoint, 10_000)
      assert.deepEqual(await listed(driver, spec.environmentId), [
        {
          environmentId: spec.environmentId,
          engineId: first.engineId,
          running: true,
          status: 'running',
        },
      ])

      await driver.stop(spec)
      const [stopped, ...more] = await listed(driver, spec.environmentId)
      assert.deepInclude(stopped, { environmentId: spec.environmentId, running: false })
      assert.lengthOf(more, 0)
      await driver.stop(spec)

      const restartSteps: string[] = []
      const restarted = await driver.start(spec, (step) => restartSteps.push(step))
      assert.deepEqual(restarted.endpoint, first.endpoint, 'reached where it was before')
      assert.notInclude(restartSteps, 'started')
      await driver.waitUntilReady(restarted.endpoint, 10_000)
      assert.deepEqual(await listed(driver, spec.environmentId), [
        {
          environmentId: spec.environmentId,
          engineId: restarted.engineId,
          running: true,
          status: 'running',
        },
      ])
      assert.deepEqual(
        await driver.start(spec, () => {}),
        restarted,
        'starting a running one is fine'
      )

      await driver.remove(spec.environmentId)
      assert.deepEqual(await listed(driver, spec.environmentId), [])
      assert.deepEqual(await subject.objects(spec.environmentId), [])
      // Not found is fine: remove and stop of an environment that is gone succeed.
      await driver.remove(spec.environmentId)
      await driver.stop(spec)
      assert.deepEqual(await subject.objects(spec.environmentId), [])
    })

    test('names every engine object from the spec', async ({ assert, cleanup }) => {
      const { subject, driver } = await setUp(cleanup, assert)
      const spec = subject.spec()
      await created(driver, spec, cleanup)
      const objects = await subject.objects(spec.environmentId)
      assert.isNotEmpty(objects)
      for (const object of objects) {
        assert.isTrue(object.split('/')[1].startsWith(spec.name), object)
      }
    })

    test('start creates the environment again when its engine objects are gone', async ({
      assert,
      cleanup,
    }) => {
      const { subject, driver } = await setUp(cleanup, assert)
      const spec = subject.spec()
      const first = await created(driver, spec, cleanup)
      const objects = await subject.objects(spec.environmentId)
      await driver.remove(spec.environmentId)

      const steps: string[] = []
      const again = await driver.start(spec, (step) => steps.push(step))
      assert.notEqual(again.engineId, first.engineId)
      assert.notInclude(steps, 'started')
      if (subject.recreateSteps) {
        assert.deepEqual(steps, subject.recreateSteps)
      }
      assert.lengthOf(await listed(driver, spec.environmentId), 1)
      assert.sameMembers(await subject.objects(spec.environmentId), objects)
    })

    test('create replaces what an interrupted attempt left behind', async ({ assert, cleanup }) => {
      const { subject, driver } = await setUp(cleanup, assert)
      const spec = subject.spec()
      const first = await created(driver, spec, cleanup)
      const objects = await subject.objects(spec.environmentId)
      const second = await created(driver, spec, cleanup)
      assert.notEqual(second.engineId, first.engineId)
      assert.deepEqual(
        (await listed(driver, spec.environmentId)).map((state) => state.engineId),
        [second.engineId]
      )
      assert.sameMembers(await subject.objects(spec.environmentId), objects, 'nothing twice')
    })

    test('another instance neither lists nor removes the environment', async ({
      assert,
      cleanup,
    }) => {
      const { subject, driver } = await setUp(cleanup, assert)
      const spec = subject.spec()
      const ours = await created(driver, spec, cleanup)
      const other = subject.driver({ instanceId: 'another-portal' })
      assert.deepEqual(await listed(other, spec.environmentId), [])
      await other.remove(spec.environmentId)
      assert.deepEqual(
        (await listed(driver, spec.environmentId)).map((state) => state.engineId),
        [ours.engineId]
      )
    })

    test('refuses to run as root ({label}), leaving nothing')
      .with([
        { label: 'uid 0', runAs: { uid: 0, gid: 1000 }, defaultUser: undefined },
        { label: 'gid 0', runAs: { uid: 1000, gid: 0 }, defaultUser: undefined },
        { label: 'a root default user', runAs: null, defaultUser: { uid: 0, gid: 0 } },
      ])
      .run(async ({ assert, cleanup }, row) => {
        const { subject } = await setUp(cleanup, assert)
        const driver = subject.driver(row.defaultUser ? { defaultUser: row.defaultUser } : {})
        const spec = subject.spec({ runAs: row.runAs })
        cleanup(() => driver.remove(spec.environmentId))

        const error = await driver.create(spec, () => {}).catch((caught) => caught)
        assert.instanceOf(error, ProvisioningFailedException)
        assert.match(error.message, /never run as root/)
        assert.deepEqual(await listed(driver, spec.environmentId), [])
        assert.deepEqual(await subject.objects(spec.environmentId), [])
      })

    test('an image the engine cannot run fails (502), naming it, and leaves nothing', async ({
      assert,
      cleanup,
    }) => {
      const { subject, driver } = await setUp(cleanup, assert)
      const spec = subject.spec({ image: subject.images.missing })
      cleanup(() => driver.remove(spec.environmentId))

      const error = await driver.create(spec, () => {}).catch((caught) => caught)
      assert.instanceOf(error, ProvisioningFailedException)
      assert.equal(error.status, 502)
      assert.include(error.message, spec.image.reference)
      assert.notInclude(error.message, spec.secret)
      assert.deepEqual(await listed(driver, spec.environmentId), [])
      assert.deepEqual(await subject.objects(spec.environmentId), [])
    })

    test('waitUntilReady gives up on a service that never answers, after the timeout', async ({
      assert,
      cleanup,
    }) => {
      const { subject, driver } = await setUp(cleanup, assert)
      const { endpoint } = await created(
        driver,
        subject.spec({ image: subject.images.silent }),
        cleanup
      )
      const started = Date.now()
      const error = await driver.waitUntilReady(endpoint, 1200).catch((caught) => caught)
      const elapsed = Date.now() - started
      assert.instanceOf(error, ProvisioningFailedException)
      assert.equal(error.message, 'The environment did not answer on its port within 1 s')
      assert.isAtLeast(elapsed, 1150)
      assert.isBelow(elapsed, 3000)
    })

    test('an engine nobody answers for is unavailable (503) at once, for every call', async ({
      assert,
      cleanup,
    }) => {
      const { subject } = await setUp(cleanup, assert)
      const { driver, withinMs } = await subject.unreachable()
      const spec = subject.spec()
      const started = Date.now()
      for (const call of [
        () => driver.ping(),
        () => driver.list(),
        () => driver.create(spec, () => {}),
        () => driver.start(spec, () => {}),
        () => driver.stop(spec),
        () => driver.remove(spec.environmentId),
      ]) {
        const error = await call().catch((caught) => caught)
        assert.instanceOf(error, ProvisioningUnavailableException)
        assert.equal(error.status, 503)
      }
      assert.isBelow(Date.now() - started, withinMs)
    })
  })
}
