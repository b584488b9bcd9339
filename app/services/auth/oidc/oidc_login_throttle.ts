import limiter from '@adonisjs/limiter/services/main'
import oidcConfig from '#config/oidc'

/**
 * Limits OpenID Connect sign-in starts per client address, in the shared
 * `rate_limits` table: each start stores a row until answered or expired,
 * so anonymous clients must not be able to start them without bound.
 * Beyond the limit the limiter's 429 (with Retry-After) is thrown.
 */
export default class OidcLoginThrottle {
  async guard(clientIp: string | null) {
    const { attempts, window } = oidcConfig.loginThrottle
    await limiter
      .use({ requests: attempts, duration: window, blockDuration: window })
      .consume(`oidc-login:address:${clientIp ?? 'unknown'}`)
  }
}
