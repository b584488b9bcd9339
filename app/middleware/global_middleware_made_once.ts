import type { Server } from '@adonisjs/core/http'
import type { ParsedGlobalMiddleware } from '@adonisjs/core/types/http'
import {
  madeMiddleware,
  type LazyMiddleware,
  type MiddlewareInstance,
} from '#middleware/made_middleware'

/**
 * The server's and the router's global middleware (`server.use`,
 * `router.use`) listed here, each made once and called directly. The
 * framework resolves a global middleware from the request's container on
 * every request (a class check that stringifies the class, a new
 * instance, a method call through the container, three promise hops:
 * about 3 µs of CPU each on /health/live, see docs/benchmarks.md), and
 * every request pays the server's, every matched route the router's.
 * Only for middleware that keep nothing per request in the instance and
 * whose constructor dependencies are the application's (made from its
 * container once, at boot).
 *
 * The framework offers no list to change before boot (the router's
 * entries are private until it commits its routes), so the server's boot
 * is followed by the swap: the entries it and every route hold are the
 * same objects, whose `handle` is replaced. Until then (and for any
 * middleware not listed) the framework's own handle runs.
 */
export function globalMiddlewareMadeOnce(server: Server, listed: LazyMiddleware[]) {
  const boot = server.boot.bind(server)
  let swapped = false
  server.boot = async () => {
    await boot()
    if (swapped) {
      return
    }
    swapped = true
    const entries = new Set<ParsedGlobalMiddleware>(server.getMiddlewareList())
    for (const routes of Object.values(server.getRouter().toJSON())) {
      for (const route of routes) {
        for (const entry of route.middleware.all()) {
          if (typeof entry !== 'function') {
            entries.add(entry as ParsedGlobalMiddleware)
          }
        }
      }
    }
    const instances = new Map<LazyMiddleware, MiddlewareInstance>()
    for (const entry of entries) {
      const reference = entry.reference as LazyMiddleware
      if (!listed.includes(reference)) {
        continue
      }
      let instance = instances.get(reference)
      if (!instance) {
        instance = await madeMiddleware(reference)
        instances.set(reference, instance)
      }
      const made = instance
      entry.handle = (_resolver, ctx, next) => made.handle(ctx, next)
    }
  }
}
