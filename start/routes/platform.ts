/*
| Probes, metrics and the API's own description: outside /api/v1, no session.
*/
import router from '@adonisjs/core/services/router'
import { actionMadeOnce } from '#controllers/action_made_once'

const HealthController = () => import('#controllers/health_controller')
const MetricsController = () => import('#controllers/metrics_controller')
const ApiDocsController = () => import('#controllers/api_docs_controller')

export function platformRoutes() {
  // Probes come often (load balancers, Kubernetes): one controller for all.
  router.get('/health/live', actionMadeOnce(HealthController, 'live')).as('health.live')
  router.get('/health/ready', actionMadeOnce(HealthController, 'ready')).as('health.ready')
  router.get('/metrics', [MetricsController, 'show']).as('metrics')

  router.get('/api/docs', [ApiDocsController, 'page']).as('docs.page')
  router.get('/api/docs/assets/:file', [ApiDocsController, 'asset']).as('docs.asset')

  router.get('/api/v1/openapi.json', [ApiDocsController, 'document']).as('api.openapi')
}
