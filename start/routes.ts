/*
|--------------------------------------------------------------------------
| Routes
|--------------------------------------------------------------------------
|
| The JSON API lives under /api/v1 and is described, route for route, by
| the OpenAPI document (app/openapi). A test fails when the two differ.
|
*/
import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'

const HealthController = () => import('#controllers/health_controller')
const MetricsController = () => import('#controllers/metrics_controller')
const ApiDocsController = () => import('#controllers/api_docs_controller')
const SessionController = () => import('#controllers/session_controller')
const MeController = () => import('#controllers/me_controller')
const AccessTokensController = () => import('#controllers/access_tokens_controller')
const AuditEventsController = () => import('#controllers/audit_events_controller')
const AuthProvidersController = () => import('#controllers/auth_providers_controller')
const SamlController = () => import('#controllers/saml_controller')
const OidcController = () => import('#controllers/oidc_controller')
const AdminExperimentsController = () => import('#controllers/admin_experiments_controller')
const AdminExperimentSessionsController = () =>
  import('#controllers/admin_experiment_sessions_controller')
const AdminExperimentMembersController = () =>
  import('#controllers/admin_experiment_members_controller')
const ExperimentsController = () => import('#controllers/experiments_controller')
const ImagesController = () => import('#controllers/images_controller')
const AdminImagesController = () => import('#controllers/admin_images_controller')
const EnvironmentsController = () => import('#controllers/environments_controller')
const EnvironmentEventsController = () => import('#controllers/environment_events_controller')
const EnvironmentAccessController = () => import('#controllers/environment_access_controller')
const QuotaController = () => import('#controllers/quota_controller')
const AdminQuotasController = () => import('#controllers/admin_quotas_controller')
const AdminEnvironmentsController = () => import('#controllers/admin_environments_controller')
const AdminUsersController = () => import('#controllers/admin_users_controller')
const AdminUsageController = () => import('#controllers/admin_usage_controller')
const AdminOverviewController = () => import('#controllers/admin_overview_controller')
const ConsoleController = () => import('#controllers/console_controller')

router.get('/health/live', [HealthController, 'live']).as('health.live')
router.get('/health/ready', [HealthController, 'ready']).as('health.ready')
router.get('/metrics', [MetricsController, 'show']).as('metrics')

router.get('/api/docs', [ApiDocsController, 'page']).as('docs.page')
router.get('/api/docs/assets/:file', [ApiDocsController, 'asset']).as('docs.asset')

router.get('/api/v1/openapi.json', [ApiDocsController, 'document']).as('api.openapi')

router
  .group(() => {
    router
      .group(() => {
        router.get('providers', [AuthProvidersController, 'index']).as('providers')
        router.get('csrf', [SessionController, 'csrf']).as('csrf')
        router.post('login', [SessionController, 'store']).as('login')
        router.post('logout', [SessionController, 'destroy']).as('logout').use(middleware.auth())

        router
          .group(() => {
            router.get('/', [AccessTokensController, 'index']).as('index')
            router
              .post('/', [AccessTokensController, 'store'])
              .as('store')
              .use(middleware.session())
            router.delete('/:id', [AccessTokensController, 'destroy']).as('destroy')
          })
          .prefix('tokens')
          .as('tokens')
          .use(middleware.auth())

        router
          .group(() => {
            router.get('metadata', [SamlController, 'metadata']).as('metadata')
            router.get('login', [SamlController, 'login']).as('login')
            router.post('acs', [SamlController, 'acs']).as('acs')
            // Single logout: HTTP-Redirect (GET) and HTTP-POST bindings.
            router.get('slo', [SamlController, 'slo']).as('slo')
            router.post('slo', [SamlController, 'slo']).as('slo.post')
          })
          .prefix('saml')
          .as('saml')

        router
          .group(() => {
            router.get('login', [OidcController, 'login']).as('login')
            router.get('callback', [OidcController, 'callback']).as('callback')
          })
          .prefix('oidc')
          .as('oidc')
      })
      .prefix('auth')
      .as('auth')

    router.get('me', [MeController, 'show']).as('me').use(middleware.auth())
    // A browser session only: a leaked token must not be able to take the account over.
    router
      .put('me/password', [MeController, 'updatePassword'])
      .as('me.password')
      .use([middleware.auth(), middleware.session()])

    router.get('images', [ImagesController, 'index']).as('images.index').use(middleware.auth())

    router.get('quota', [QuotaController, 'show']).as('quota').use(middleware.auth())

    router
      .group(() => {
        router.get('/', [EnvironmentsController, 'index']).as('index')
        router.post('/', [EnvironmentsController, 'store']).as('store')
        router.get(':id', [EnvironmentsController, 'show']).as('show')
        router.get(':id/events', [EnvironmentEventsController, 'stream']).as('events')
        router.post(':id/stop', [EnvironmentsController, 'stop']).as('stop')
        router.post(':id/start', [EnvironmentsController, 'start']).as('start')
        router.post(':id/access', [EnvironmentAccessController, 'store']).as('access')
        router.patch(':id', [EnvironmentsController, 'extend']).as('extend')
        router.delete(':id', [EnvironmentsController, 'destroy']).as('destroy')
      })
      .prefix('environments')
      .as('environments')
      .use(middleware.auth())

    router
      .group(() => {
        router.get('/', [ExperimentsController, 'index']).as('index')
        router.post('sync', [ExperimentsController, 'sync']).as('sync')
        router.get(':id', [ExperimentsController, 'show']).as('show')
        router.put(':id/favorite', [ExperimentsController, 'favorite']).as('favorite')
      })
      .prefix('experiments')
      .as('experiments')
      .use(middleware.auth())

    router
      .group(() => {
        router.get('audit', [AuditEventsController, 'index']).as('audit.index')
        router.get('audit.csv', [AuditEventsController, 'csv']).as('audit.csv')
        router.get('usage', [AdminUsageController, 'index']).as('usage.index')
        router.get('usage.csv', [AdminUsageController, 'csv']).as('usage.csv')
        router.get('overview', [AdminOverviewController, 'show']).as('overview')
        router
          .patch('environments/:id', [AdminEnvironmentsController, 'extend'])
          .as('environments.extend')
        router.get('environments', [AdminEnvironmentsController, 'index']).as('environments.index')
        router
          .post('environments/:id/stop', [AdminEnvironmentsController, 'stop'])
          .as('environments.stop')
        router
          .delete('environments/:id', [AdminEnvironmentsController, 'destroy'])
          .as('environments.destroy')

        router
          .group(() => {
            router.get('/', [AdminUsersController, 'index']).as('index')
            router.get(':id', [AdminUsersController, 'show']).as('show')
            router.patch(':id', [AdminUsersController, 'update']).as('update')
            router.delete(':id', [AdminUsersController, 'destroy']).as('destroy')
          })
          .prefix('users')
          .as('users')

        router
          .group(() => {
            router.get('/', [AdminExperimentsController, 'index']).as('index')
            router.post('/', [AdminExperimentsController, 'store']).as('store')
            router.get(':id', [AdminExperimentsController, 'show']).as('show')
            router.patch(':id', [AdminExperimentsController, 'update']).as('update')
            router.delete(':id', [AdminExperimentsController, 'destroy']).as('destroy')
            router
              .put(':id/sessions/:sessionNumber', [AdminExperimentSessionsController, 'update'])
              .as('sessions.update')
            router
              .delete(':id/sessions/:sessionNumber', [AdminExperimentSessionsController, 'destroy'])
              .as('sessions.destroy')
            router
              .put(':id/members/:userId', [AdminExperimentMembersController, 'update'])
              .as('members.update')
            router
              .delete(':id/members/:userId', [AdminExperimentMembersController, 'destroy'])
              .as('members.destroy')
          })
          .prefix('experiments')
          .as('experiments')

        router
          .group(() => {
            router.get('/', [AdminImagesController, 'index']).as('index')
            router.post('/', [AdminImagesController, 'store']).as('store')
            router.get(':id', [AdminImagesController, 'show']).as('show')
            router.patch(':id', [AdminImagesController, 'update']).as('update')
            router.delete(':id', [AdminImagesController, 'destroy']).as('destroy')
          })
          .prefix('images')
          .as('images')

        router.get('quotas/default', [AdminQuotasController, 'showDefault']).as('quotas.default')
        router
          .put('quotas/default', [AdminQuotasController, 'updateDefault'])
          .as('quotas.default.update')
        router.get('users/:id/quota', [AdminQuotasController, 'show']).as('users.quota')
        router.put('users/:id/quota', [AdminQuotasController, 'update']).as('users.quota.update')
        router
          .delete('users/:id/quota', [AdminQuotasController, 'destroy'])
          .as('users.quota.destroy')
      })
      .prefix('admin')
      .as('admin')
      .use([middleware.auth(), middleware.admin()])
  })
  .prefix('/api/v1')
  .as('api')
  .use(middleware.browserSession())

/*
| The web console: its page at "/" and at any other path the router does not
| know (its client-side routes), and its hashed assets. Registered last; the
| controller keeps the JSON 404 for unknown paths under /api, /health,
| /metrics and /assets.
*/
router.get('/', [ConsoleController, 'page']).as('console.home')
router.get('/assets/:file', [ConsoleController, 'asset']).as('console.asset')
router.get('/*', [ConsoleController, 'page']).as('console.route')
