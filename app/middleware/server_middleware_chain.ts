import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'

/** A middleware instance: what `handle(ctx, next)` offers. */
export type ChainedMiddleware = {
  handle(ctx: HttpContext, next: NextFn): unknown
}

/**
 * Middleware run one after the other inside a single server (or router)
 * middleware. Each middleware the server itself runs is resolved from the container
 * per request (a module lookup, a class check that stringifies the class,
 * a new instance, a method call through the container, four promise
 * hops); for the request path every route pays, that cost, eight times
 * over, was a third of /health/live (see docs/benchmarks.md). These
 * instances are made once and called directly, in order; one that does
 * not call `next` ends the chain, as in the server's own pipeline.
 *
 * Errors from routes reach the chain already rendered (the server's
 * pipeline catches them at the chain's `next`), so the chained
 * middleware see the final status as before.
 */
export function chainMiddleware(chain: ChainedMiddleware[]) {
  function run(ctx: HttpContext, index: number, last: NextFn): unknown {
    if (index === chain.length) {
      return last()
    }
    return chain[index].handle(ctx, () => run(ctx, index + 1, last) as Promise<unknown>)
  }
  return (ctx: HttpContext, next: NextFn) => run(ctx, 0, next)
}
