import type { ParsedNamedMiddleware } from '@adonisjs/core/types/http'
import {
  madeMiddleware,
  type LazyMiddleware,
  type MiddlewareInstance,
} from '#middleware/made_middleware'

type NamedMiddlewareBuilder = (...args: any[]) => ParsedNamedMiddleware

/**
 * The router's named middleware (`router.named`), each made once and
 * called directly. The router would resolve a named middleware from the
 * container on every request that uses it (a class check that stringifies
 * the class, a new instance, a method call through the container: see
 * server_middleware_chain.ts); every API request pays that for the browser
 * session, every authenticated one for the auth middleware too. Only for
 * middleware that keep nothing per request in the instance (what they need
 * per request they take from the context): theirs are made from the
 * application's container, at the first request that uses them.
 */
export function namedMiddlewareMadeOnce<Named extends Record<string, NamedMiddlewareBuilder>>(
  named: Named
): Named {
  const madeOnce: Record<string, NamedMiddlewareBuilder> = {}
  for (const [name, builder] of Object.entries(named)) {
    let instance: MiddlewareInstance | undefined
    let making: Promise<MiddlewareInstance> | undefined
    madeOnce[name] = (...args) => {
      const parsed = builder(...args)
      const make = async () => {
        instance = await madeMiddleware(parsed.reference as LazyMiddleware)
        return instance
      }
      return {
        ...parsed,
        handle(_resolver, ctx, next, params) {
          if (instance) {
            return instance.handle(ctx, next, params)
          }
          making ??= make()
          return making.then((made) => made.handle(ctx, next, params))
        },
      }
    }
  }
  return madeOnce as Named
}
