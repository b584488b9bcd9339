/*
| What a signed-in scientist works with: experiments, the image and link catalogues,
| environments and their access, quota and notifications. Registered inside
| the /api/v1 group.
*/
import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'
import { actionMadeOnce } from '#controllers/action_made_once'

const ExperimentsController = () => import('#controllers/experiments_controller')
const ImagesController = () => import('#controllers/images_controller')
const LinksController = () => import('#controllers/links_controller')
const EnvironmentsController = () => import('#controllers/environments_controller')
const EnvironmentEventsController = () => import('#controllers/environment_events_controller')
const EnvironmentAccessController = () => import('#controllers/environment_access_controller')
const EnvironmentSharesController = () => import('#controllers/environment_shares_controller')
const QuotaController = () => import('#controllers/quota_controller')
const NotificationsController = () => import('#controllers/notifications_controller')

export function scientistRoutes() {
  router.get('images', [ImagesController, 'index']).as('images.index').use(middleware.auth())

  router
    .group(() => {
      router.get('/', [LinksController, 'index']).as('index')
      router.post(':id/open', [LinksController, 'open']).as('open')
    })
    .prefix('links')
    .as('links')
    .use(middleware.auth())

  router.get('quota', [QuotaController, 'show']).as('quota').use(middleware.auth())

  router
    .group(() => {
      router.get('/', [NotificationsController, 'index']).as('index')
      router.post('read-all', [NotificationsController, 'readAll']).as('readAll')
      router.post(':id/read', [NotificationsController, 'read']).as('read')
    })
    .prefix('notifications')
    .as('notifications')
    .use(middleware.auth())

  router
    .group(() => {
      // The lists are the scientist's hottest reads: one controller instance each.
      router.get('/', actionMadeOnce(EnvironmentsController, 'index')).as('index')
      router.post('/', [EnvironmentsController, 'store']).as('store')
      router.get(':id', [EnvironmentsController, 'show']).as('show')
      router.get(':id/events', [EnvironmentEventsController, 'stream']).as('events')
      router.post(':id/stop', [EnvironmentsController, 'stop']).as('stop')
      router.post(':id/start', [EnvironmentsController, 'start']).as('start')
      router.post(':id/access', [EnvironmentAccessController, 'store']).as('access')
      router.patch(':id', [EnvironmentsController, 'extend']).as('extend')
      router.delete(':id', [EnvironmentsController, 'destroy']).as('destroy')
      router.get(':id/shares', [EnvironmentSharesController, 'index']).as('shares.index')
      router.post(':id/shares', [EnvironmentSharesController, 'store']).as('shares.store')
      router
        .delete(':id/shares/:userId', [EnvironmentSharesController, 'destroy'])
        .as('shares.destroy')
    })
    .prefix('environments')
    .as('environments')
    .use(middleware.auth())

  router
    .group(() => {
      router.get('/', actionMadeOnce(ExperimentsController, 'index')).as('index')
      router.post('sync', [ExperimentsController, 'sync']).as('sync')
      router.get(':id', [ExperimentsController, 'show']).as('show')
      router.put(':id/favorite', [ExperimentsController, 'favorite']).as('favorite')
    })
    .prefix('experiments')
    .as('experiments')
    .use(middleware.auth())
}
