import type * as abilities from '#abilities/main'
import type { policies } from '#policies/main'
import type { Bouncer } from '@adonisjs/bouncer'
import { HttpContext } from '@adonisjs/core/http'
import { bouncerFor } from '#policies/bouncer_for'

/**
 * `ctx.bouncer`: the request's Bouncer for the signed-in user (or none),
 * made on first use and kept for the request. The package's middleware
 * made one for every matched route, also for those that never authorise
 * (health probes, the catalogue): about 1.5 % of /health/live's CPU. A
 * getter on the context's prototype costs a request nothing until read.
 */
HttpContext.getter(
  'bouncer',
  function (this: HttpContext) {
    return bouncerFor(() => this.auth?.user || null).setContainerResolver(this.containerResolver)
  },
  true
)

declare module '@adonisjs/core/http' {
  export interface HttpContext {
    bouncer: Bouncer<
      Exclude<HttpContext['auth']['user'], undefined>,
      typeof abilities,
      typeof policies
    >
  }
}
