import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'

/** A middleware instance: what `handle(ctx, next)` offers. */
export type ChainedMiddleware = {
  handle(ctx: HttpContext, next: NextFn): unknown
}

/**
 * A middleware that only acts around the rest of the request: `receiving`
 * before it (what it returns is handed to `answered`), `answered` once the
 * rest has settled, resolved or not. Written this way rather than as an
 * `async handle` with `try { await next() } finally`, so that all of them
 * share one async frame and one await per request.
 */
export type AroundMiddleware<Received = any> = {
  receiving(ctx: HttpContext): Received
  answered(ctx: HttpContext, received: Received): void
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
 * `around` middleware wrap the whole chain, first listed outermost: each
 * `receiving` in order before it, each `answered` in reverse order after
 * it, in one `finally` (three of them each awaiting `next` in its own
 * async frame were about 2 µs of /health/live's ~70).
 *
 * Errors from routes reach the chain already rendered (the server's
 * pipeline catches them at the chain's `next`), so the chained
 * middleware see the final status as before.
 */
export function chainMiddleware(chain: ChainedMiddleware[], around: AroundMiddleware[] = []) {
  function run(ctx: HttpContext, index: number, last: NextFn): unknown {
    if (index === chain.length) {
      return last()
    }
    return chain[index].handle(ctx, () => run(ctx, index + 1, last) as Promise<unknown>)
  }
  if (around.length === 0) {
    return (ctx: HttpContext, next: NextFn) => run(ctx, 0, next)
  }
  return async (ctx: HttpContext, next: NextFn) => {
    const received = around.map((middleware) => middleware.receiving(ctx))
    try {
      await run(ctx, 0, next)
    } finally {
      for (let index = around.length - 1; index >= 0; index--) {
        around[index].answered(ctx, received[index])
      }
    }
  }
}
