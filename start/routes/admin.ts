/*
| Administration (admins only, the admin middleware before anything else):
| reports, all environments, accounts, quotas, the image and link catalogues and local
| experiments. Registered inside the /api/v1 group.
*/
import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'
import { actionMadeOnce } from '#controllers/action_made_once'

const AuditEventsController = () => import('#controllers/audit_events_controller')
const AdminUsageController = () => import('#controllers/admin_usage_controller')
const AdminOverviewController = () => import('#controllers/admin_overview_controller')
const AdminEnvironmentsController = () => import('#controllers/admin_environments_controller')
const EnvironmentSharesController = () => import('#controllers/environment_shares_controller')
const AdminUsersController = () => import('#controllers/admin_users_controller')
const AdminQuotasController = () => import('#controllers/admin_quotas_controller')
const AdminImagesController = () => import('#controllers/admin_images_controller')
const AdminLinksController = () => import('#controllers/admin_links_controller')
const AdminExperimentsController = () => import('#controllers/admin_experiments_controller')
const AdminExperimentSessionsController = () =>
  import('#controllers/admin_experiment_sessions_controller')
const AdminExperimentMembersController = () =>
  import('#controllers/admin_experiment_members_controller')

export function adminRoutes() {
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
      router
        .get('environments', actionMadeOnce(AdminEnvironmentsController, 'everyone'))
        .as('environments.index')
      router
        .post('environments/:id/stop', [AdminEnvironmentsController, 'stop'])
        .as('environments.stop')
      router
        .delete('environments/:id', [AdminEnvironmentsController, 'destroy'])
        .as('environments.destroy')
      router
        .get('environments/:id/shares', [EnvironmentSharesController, 'adminIndex'])
        .as('environments.shares.index')
      router
        .delete('environments/:id/shares/:userId', [EnvironmentSharesController, 'adminDestroy'])
        .as('environments.shares.destroy')

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

      router
        .group(() => {
          router.get('/', [AdminLinksController, 'index']).as('index')
          router.post('/', [AdminLinksController, 'store']).as('store')
          router.get(':id', [AdminLinksController, 'show']).as('show')
          router.patch(':id', [AdminLinksController, 'update']).as('update')
          router.delete(':id', [AdminLinksController, 'destroy']).as('destroy')
        })
        .prefix('links')
        .as('links')

      router.get('quotas/default', [AdminQuotasController, 'showDefault']).as('quotas.default')
      router
        .put('quotas/default', [AdminQuotasController, 'updateDefault'])
        .as('quotas.default.update')
      router.get('users/:id/quota', [AdminQuotasController, 'show']).as('users.quota')
      router.put('users/:id/quota', [AdminQuotasController, 'update']).as('users.quota.update')
      router.delete('users/:id/quota', [AdminQuotasController, 'destroy']).as('users.quota.destroy')
    })
    .prefix('admin')
    .as('admin')
    .use([middleware.auth(), middleware.admin()])
}
