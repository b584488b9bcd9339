/*
| The web console: its page at "/" and at any other path the router does not
| know (its client-side routes), and its hashed assets. Registered last; the
| controller keeps the JSON 404 for unknown paths under /api, /health,
| /metrics and /assets.
*/
import router from '@adonisjs/core/services/router'

const ConsoleController = () => import('#controllers/console_controller')

export function consoleRoutes() {
  router.get('/', [ConsoleController, 'page']).as('console.home')
  router.get('/assets/:file', [ConsoleController, 'asset']).as('console.asset')
  router.get('/*', [ConsoleController, 'page']).as('console.route')
}
