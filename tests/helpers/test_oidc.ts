import env from '#start/env'
import oidcConfig from '#config/oidc'
import portalConfig from '#config/portal'
import { TestOidcProvider } from '#tests/helpers/oidc_provider'

/**
 * The OpenID provider the portal trusts in tests (.env.test: OIDC_ISSUER,
 * OIDC_CLIENT_ID, OIDC_CLIENT_SECRET), started for the whole run by
 * tests/bootstrap.ts.
 */
export const testOidcProvider = new TestOidcProvider(
  Number(new URL(env.get('OIDC_ISSUER')!).port),
  [
    {
      client_id: oidcConfig.clientId,
      client_secret: oidcConfig.clientSecret!.release(),
      redirect_uris: [oidcConfig.redirectUri],
      post_logout_redirect_uris: [oidcConfig.postLogoutRedirectUrl, portalConfig.landingUrl],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ]
)
