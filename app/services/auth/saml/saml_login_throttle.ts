import limiter from '@adonisjs/limiter/services/main'
import samlConfig from '#config/saml'

/**
 * Limits SAML sign-in starts per client address, in the shared
 * `rate_limits` table (every portal process counts together): each start
 * caches an AuthnRequest and a RelayState, so anonymous clients must not
 * be able to start them without bound. Beyond the limit the limiter's 429
 * (with Retry-After) is thrown and nothing is cached.
 */
export default class SamlLoginThrottle {
  async guard(clientIp: string | null) {
    const { attempts, window } = samlConfig.loginThrottle
    await limiter
      .use({ requests: attempts, duration: window, blockDuration: window })
      .consume(`saml-login:address:${clientIp ?? 'unknown'}`)
  }
}
