/*
|--------------------------------------------------------------------------
| Routes
|--------------------------------------------------------------------------
|
| One file per area in start/routes/. The JSON API lives under /api/v1 and
| is described, route for route, by the OpenAPI document (app/openapi); a
| test fails when the two differ. Order matters: the console's catch-all
| is registered last.
|
*/
import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'
import { platformRoutes } from '#start/routes/platform'
import { authRoutes } from '#start/routes/auth'
import { scientistRoutes } from '#start/routes/scientist'
import { adminRoutes } from '#start/routes/admin'
import { consoleRoutes } from '#start/routes/console'

platformRoutes()

router
  .group(() => {
    authRoutes()
    scientistRoutes()
    adminRoutes()
  })
  .prefix('/api/v1')
  .as('api')
  .use(middleware.browserSession())

// Last: its catch-all must not shadow anything above.
consoleRoutes()
