/*
| Probes, metrics and the API's own description: outside /api/v1, no session.
*/
import router from '@adonisjs/core/services/router'

const HealthController = () => import('#controllers/health_controller')
const MetricsController = () => import('#controllers/metrics_controller')
const ApiDocsController = () => import('#controllers/api_docs_controller')

export function platformRoutes() {
  router.get('/health/live', [HealthController, 'live']).as('health.live')
  router.get('/health/ready', [HealthController, 'ready']).as('health.ready')
  router.get('/metrics', [MetricsController, 'show']).as('metrics')

  router.get('/api/docs', [ApiDocsController, 'page']).as('docs.page')
  router.get('/api/docs/assets/:file', [ApiDocsController, 'asset']).as('docs.asset')

  router.get('/api/v1/openapi.json', [ApiDocsController, 'document']).as('api.openapi')
}
