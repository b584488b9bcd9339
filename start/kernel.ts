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

server.errorHandler(() => import('#exceptions/handler'))

server.use([
  () => import('#middleware/http_metrics_middleware'),
  () => import('#middleware/drain_middleware'),
  () => import('#middleware/request_id_middleware'),
  () => import('#middleware/security_headers_middleware'),
  () => import('#middleware/force_json_response_middleware'),
  () => import('#middleware/container_bindings_middleware'),
  () => import('#middleware/request_log_middleware'),
  () => import('@adonisjs/cors/cors_middleware'),
])

router.use([
  () => import('#middleware/body_parser_middleware'),
  () => import('@adonisjs/auth/initialize_auth_middleware'),
  () => import('#middleware/initialize_bouncer_middleware'),
])

export const middleware = router.named({
  browserSession: () => import('#middleware/browser_session_middleware'),
  auth: () => import('#middleware/auth_middleware'),
  admin: () => import('#middleware/require_admin_middleware'),
  session: () => import('#middleware/require_session_middleware'),
})
