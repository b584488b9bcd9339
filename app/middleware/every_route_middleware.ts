import app from '@adonisjs/core/services/app'
import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import BodyParserMiddleware from '#middleware/body_parser_middleware'
import InitializeAuthMiddleware from '#middleware/initialize_auth_middleware'
import { chainMiddleware } from '#middleware/server_middleware_chain'

/**
 * What every matched route passes before its own middleware: the body
 * parsed and the request's authenticator created (its Bouncer is made
 * when first read: request_bouncer.ts). Run as one
 * router middleware (server_middleware_chain.ts says why); the body
 * parser's dependencies come from the container once, as they would per
 * request (the framework's parser is a singleton).
 */
const everyRoute = chainMiddleware([
  await app.container.make(BodyParserMiddleware),
  new InitializeAuthMiddleware(),
])

export default class EveryRouteMiddleware {
  handle(ctx: HttpContext, next: NextFn) {
    return everyRoute(ctx, next)
  }
}
