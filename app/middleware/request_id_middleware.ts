import { randomUUID } from 'node:crypto'
import logger from '@adonisjs/core/services/logger'
import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'

/** What a caller-supplied request id may look like; anything else is replaced. */
const SAFE_REQUEST_ID = /^[\w.:-]{1,128}$/

/**
 * Accepts the caller's X-Request-Id when it is safe to log and echo,
 * otherwise issues a fresh one, which every response then returns.
 */
export default class RequestIdMiddleware {
  handle(ctx: HttpContext, next: NextFn) {
    const headers = ctx.request.request.headers
    const incoming = headers['x-request-id']
    if (typeof incoming !== 'string' || !SAFE_REQUEST_ID.test(incoming)) {
      const issued = randomUUID()
      headers['x-request-id'] = issued
      // The server bound the request's logger to the id as it came, before
      // any middleware ran: its lines must carry the one answered instead.
      ctx.logger = logger.child({ request_id: issued })
    }
    // No response header here: the framework's `response.finish()` copies
    // the request's X-Request-Id (as settled above) onto every response.
    return next()
  }
}
