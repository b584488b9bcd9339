import app from '@adonisjs/core/services/app'
import type { HttpContext } from '@adonisjs/core/http'

type Action = (ctx: HttpContext) => unknown
type ActionNames<Controller> = {
  [Name in keyof Controller]: Controller[Name] extends Action ? Name : never
}[keyof Controller] &
  string

/**
 * A route handler calling one action of a controller made once, for the
 * hottest reads: the router would resolve a `[Controller, 'action']` from
 * the container on every request (a class check that stringifies the
 * class, a new instance, the action called through the container), which
 * costs more than `GET /me` itself. Only for a controller that keeps
 * nothing per request in the instance and an action without method
 * injection (`@inject()`): such an action needs the request's container,
 * so it is refused at its first request.
 */
export function actionMadeOnce<Controller extends object>(
  lazyImport: () => Promise<{ default: new () => Controller }>,
  action: ActionNames<Controller>
) {
  let controller: Controller | undefined
  let making: Promise<Controller> | undefined
  const make = async () => {
    const { default: Controller } = await lazyImport()
    const injections = (Controller as { containerInjections?: Record<string, unknown> })
      .containerInjections
    if (injections?.[action] || injections?._constructor) {
      throw new Error(
        `${Controller.name}.${action} takes injected dependencies: route it as [${Controller.name}, '${action}']`
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
