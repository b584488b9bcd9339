import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import EngineWork from '#services/environments/engine_work'
import EnvironmentProvisioner from '#services/environments/environment_provisioner'
import ProvisioningFailedException from '#exceptions/provisioning_failed_exception'

/** A promise and the functions that settle it. */
function deferred() {
  let resolve!: () => void
  let reject!: (error: unknown) => void
  const promise = new Promise<void>((ok, fail) => {
    resolve = ok
    reject = fail
  })
  return { promise, resolve, reject }
}

test.group('Engine work', () => {
  test('an environment is busy while its work runs, and settle waits for every piece', async ({
    assert,
  }) => {
    const work = new EngineWork()
    const first = deferred()
    const second = deferred()
    work.track(1, () => first.promise)
    work.track(2, () => second.promise)
    assert.isTrue(work.isBusy(1))
    assert.isTrue(work.isBusy(2))
    assert.isFalse(work.isBusy(3))

    let settled = false
    const settling = work.settle().then(() => (settled = true))
    first.resolve()
    await first.promise
    await new Promise((resolve) => setImmediate(resolve))
    assert.isFalse(work.isBusy(1))
    assert.isFalse(settled, 'the second piece still runs')
    // A failure is logged, never thrown: nobody awaits background work.
    second.reject(new Error('the database went away'))
    await settling
    assert.isTrue(settled)
    assert.isFalse(work.isBusy(2))
  })

  test('once shutdown interrupts, work still waiting for the engine gives up', async ({
    assert,
  }) => {
    const work = new EngineWork()
    const engine = deferred()
    const waiting = work.interruptible(engine.promise).catch((error: unknown) => error)
    const interrupt = new AbortController()
    void work.settle(interrupt.signal)
    interrupt.abort()
    const error = await waiting
    assert.instanceOf(error, ProvisioningFailedException)
    assert.match((error as Error).message, /shut down before the environment was ready/)
    // Later work gives up at once.
    const later = await work.interruptible(Promise.resolve(1)).catch((caught) => caught)
    assert.instanceOf(later, ProvisioningFailedException)
    engine.resolve()
  })

  test('the container holds one per process, and tests can swap it', async ({
    assert,
    cleanup,
  }) => {
    assert.strictEqual(await app.container.make(EngineWork), await app.container.make(EngineWork))
    const swapped = new EngineWork()
    app.container.swap(EngineWork, () => swapped)
    cleanup(() => app.container.restore(EngineWork))
    const pending = deferred()
    swapped.track(7, () => pending.promise)

    let settled = false
    const settling = EnvironmentProvisioner.settle().then(() => (settled = true))
    await new Promise((resolve) => setImmediate(resolve))
    assert.isFalse(settled, 'settle waits for the swapped instance')
    pending.resolve()
    await settling
    assert.isTrue(settled)
  })
})
