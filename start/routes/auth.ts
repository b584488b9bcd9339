/*
| Sign-in (password, SAML, OpenID Connect), sessions, personal API tokens and
| the caller's own account. Registered inside the /api/v1 group.
*/
import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'
import { actionMadeOnce } from '#controllers/action_made_once'

const SessionController = () => import('#controllers/session_controller')
const MeController = () => import('#controllers/me_controller')
const AccessTokensController = () => import('#controllers/access_tokens_controller')
const AuthProvidersController = () => import('#controllers/auth_providers_controller')
const SamlController = () => import('#controllers/saml_controller')
const OidcController = () => import('#controllers/oidc_controller')

export function authRoutes() {
  router
    .group(() => {
      router.get('providers', [AuthProvidersController, 'index']).as('providers')
      router.get('csrf', [SessionController, 'csrf']).as('csrf')
      router.post('login', [SessionController, 'store']).as('login')
      router.post('logout', [SessionController, 'destroy']).as('logout').use(middleware.auth())

      router
        .group(() => {
          router.get('/', [AccessTokensController, 'index']).as('index')
          router.post('/', [AccessTokensController, 'store']).as('store').use(middleware.session())
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

  // The most frequent authenticated read: its controller is made once (action_made_once.ts).
  router.get('me', actionMadeOnce(MeController, 'show')).as('me').use(middleware.auth())
  // A browser session only: a leaked token must not be able to take the account over.
  router
    .put('me/password', [MeController, 'updatePassword'])
    .as('me.password')
    .use([middleware.auth(), middleware.session()])
}
