import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import { actionMadeOnce } from '#controllers/action_made_once'

/** A service the container makes once (bound as a singleton below). */
class SharedCounter {
  count = 0
}

/** A service the container makes anew each time it is asked (not bound). */
class FreshCounter {
  count = 0
}

class PlainController {
  static made = 0
  constructor() {
    PlainController.made += 1
  }
  async index(_ctx: HttpContext) {
    return this
  }
}

@inject()
class SharedController {
  constructor(protected counter: SharedCounter) {}
  async index(_ctx: HttpContext) {
    this.counter.count += 1
    return this
  }
}

@inject()
class FreshController {
  constructor(protected counter: FreshCounter) {}
  async index(_ctx: HttpContext) {
    return this
  }
}

class MethodInjectedController {
  @inject()
  async index(_ctx: HttpContext, counter?: SharedCounter) {
    return counter
  }
}

const ctx = {} as HttpContext

test.group('Actions of controllers made once', (group) => {
  group.setup(() => {
    app.container.singleton(SharedCounter, () => new SharedCounter())
  })

  test('a controller without dependencies is made once and serves every request', async ({
    assert,
  }) => {
    const handle = actionMadeOnce(async () => ({ default: PlainController }), 'index')
    const madeBefore = PlainController.made
    const [first, second] = await Promise.all([handle(ctx), handle(ctx)])
    const third = await handle(ctx)
    assert.strictEqual(first, second)
    assert.strictEqual(second, third)
    assert.equal(PlainController.made - madeBefore, 1)
  })

  test('a controller built from container singletons is made once, with those singletons', async ({
    assert,
  }) => {
    const handle = actionMadeOnce(async () => ({ default: SharedController }), 'index')
    const shared = await app.container.make(SharedCounter)
    const countBefore = shared.count
    const first = await handle(ctx)
    const second = await handle(ctx)
    assert.strictEqual(first, second)
    assert.equal(shared.count - countBefore, 2)
  })

  test('a controller built from a dependency made per request is refused', async ({ assert }) => {
    const handle = actionMadeOnce(async () => ({ default: FreshController }), 'index')
    await assert.rejects(
      async () => handle(ctx),
      /FreshController is built from dependencies that are not container singletons/
    )
  })

  test('an action with method injection is refused', async ({ assert }) => {
    const handle = actionMadeOnce(async () => ({ default: MethodInjectedController }), 'index')
    await assert.rejects(async () => handle(ctx), /MethodInjectedController.index takes injected/)
  })

  test("the scientist's lists are routed to controllers made once", async ({ assert }) => {
    const { default: ExperimentsController } = await import('#controllers/experiments_controller')
    const { default: EnvironmentsController } = await import('#controllers/environments_controller')
    const experiments = actionMadeOnce(async () => ({ default: ExperimentsController }), 'index')
    const environments = actionMadeOnce(async () => ({ default: EnvironmentsController }), 'index')
    // Made (and checked) at the first request; the fake context fails only after that.
    for (const handle of [experiments, environments]) {
      const error = await Promise.resolve(handle(ctx)).then(
        () => null,
        (failure: Error) => failure
      )
      assert.instanceOf(error, Error)
      assert.notMatch(error!.message, /route it as/)
    }
  })
})
