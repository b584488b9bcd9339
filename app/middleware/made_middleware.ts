import app from '@adonisjs/core/services/app'
import type { HttpContext } from '@adonisjs/core/http'
import type { MiddlewareAsClass, NextFn } from '@adonisjs/core/types/http'

/** How the kernel names a middleware: by lazy import (`() => import(…)`). */
export type LazyMiddleware = () => Promise<{ default: MiddlewareAsClass }>

/** A middleware instance; named middleware take their arguments third. */
export type MiddlewareInstance = {
  handle(ctx: HttpContext, next: NextFn, args?: unknown): unknown
}

/**
 * The middleware a kernel reference names, made from the application's
 * container (its constructor dependencies are the application's, never a
 * request's): what global_middleware_made_once.ts and
 * named_middleware_made_once.ts keep and call directly.
 */
export async function madeMiddleware(reference: LazyMiddleware): Promise<MiddlewareInstance> {
  const { default: Middleware } = await reference()
  return (await app.container.make(Middleware)) as MiddlewareInstance
}
