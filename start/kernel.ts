/*
|--------------------------------------------------------------------------
| HTTP kernel
|--------------------------------------------------------------------------
|
| Server middleware runs on every request (also unknown routes, so their
| 404 gets a request id, JSON and a log line); router middleware on
| matched routes; named middleware where routes ask for it. Sessions and
| CSRF apply to the API routes only (not health probes or documentation).
|
*/
import router from '@adonisjs/core/services/router'
import server from '@adonisjs/core/services/server'
import { namedMiddlewareMadeOnce } from '#middleware/named_middleware_made_once'
import { globalMiddlewareMadeOnce } from '#middleware/global_middleware_made_once'
// ctx.bouncer, made when a request first reads it.
import '#middleware/request_bouncer'

server.errorHandler(() => import('#exceptions/handler'))

// One server middleware that runs the portal's per-request middleware in
// order (app/middleware/every_request_middleware.ts lists them): each entry
// here would be resolved from the container on every request, which costs
// more than most of them do.
const everyRequest = () => import('#middleware/every_request_middleware')
server.use([everyRequest])

// Likewise for matched routes: the body parser and the authenticator
// (app/middleware/every_route_middleware.ts).
const everyRoute = () => import('#middleware/every_route_middleware')
router.use([everyRoute])

// Both made once and called directly, not resolved per request
// (app/middleware/global_middleware_made_once.ts).
globalMiddlewareMadeOnce(server, [everyRequest, everyRoute])

// Named middleware are made once too (app/middleware/named_middleware_made_once.ts).
export const middleware = namedMiddlewareMadeOnce(
  router.named({
    browserSession: () => import('#middleware/browser_session_middleware'),
    auth: () => import('#middleware/auth_middleware'),
    admin: () => import('#middleware/require_admin_middleware'),
    session: () => import('#middleware/require_session_middleware'),
  })
)
