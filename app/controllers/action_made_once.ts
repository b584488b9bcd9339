import app from '@adonisjs/core/services/app'
import type { HttpContext } from '@adonisjs/core/http'

type Action = (ctx: HttpContext) => unknown
type ActionNames<Controller> = {
  [Name in keyof Controller]: Controller[Name] extends Action ? Name : never
}[keyof Controller] &
  string

type Injections = Record<string, { dependencies: unknown[] } | undefined>

/**
 * Whether every constructor dependency is one instance for the whole
 * process (a container singleton, or a value bound once): the container
 * is asked for each twice and must answer the same object both times. A
 * controller built from such dependencies holds nothing a request could
 * change, so one instance can serve every request.
 */
async function sharedDependencies(dependencies: unknown[]) {
  for (const dependency of dependencies) {
    if (typeof dependency !== 'function') {
      return false
    }
    const Dependency = dependency as new () => unknown
    const [first, second] = [
      await app.container.make(Dependency),
      await app.container.make(Dependency),
    ]
    if (first !== second) {
      return false
    }
  }
  return true
}

/**
 * A route handler calling one action of a controller made once, for the
 * hottest reads: the router would resolve a `[Controller, 'action']` from
 * the container on every request (a class check that stringifies the
 * class, a new instance with its dependencies, the action called through
 * the container), which costs more than `GET /me` itself. Only for a
 * controller that keeps nothing per request in the instance, whose
 * constructor dependencies (if any) are container singletons, and an
 * action without method injection (`@inject()` on it needs the request's
 * container): anything else is refused at its first request. A
 * `container.swap` of a dependency after that request is not seen.
 */
export function actionMadeOnce<Controller extends object>(
  lazyImport: () => Promise<{ default: new (...dependencies: any[]) => Controller }>,
  action: ActionNames<Controller>
) {
  let controller: Controller | undefined
  let making: Promise<Controller> | undefined
  const make = async () => {
    const { default: Controller } = await lazyImport()
    const injections = (Controller as { containerInjections?: Injections }).containerInjections
    const constructorDependencies = injections?._constructor?.dependencies ?? []
    if (injections?.[action]) {
      throw new Error(
        `${Controller.name}.${action} takes injected dependencies: route it as [${Controller.name}, '${action}']`
      )
    }
    if (!(await sharedDependencies(constructorDependencies))) {
      throw new Error(
        `${Controller.name} is built from dependencies that are not container singletons: route it as [${Controller.name}, '${action}']`
      )
    }
    controller = await app.container.make(Controller)
    return controller
  }
  return (ctx: HttpContext) => {
    if (controller) {
      return (controller[action] as Action)(ctx)
    }
    making ??= make()
    return making.then((made) => (made[action] as Action)(ctx))
  }
}
