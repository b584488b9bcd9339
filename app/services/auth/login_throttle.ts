import { inject } from '@adonisjs/core'
import limiter from '@adonisjs/limiter/services/main'
import portalConfig from '#config/portal'
import InvalidCredentialsException from '#exceptions/invalid_credentials_exception'
import UserOfficeUnavailableException from '#exceptions/user_office_unavailable_exception'

/**
 * Limits password guessing per account and per client address, whichever
 * provider checks the password (so nobody can hammer the User Office
 * through the portal either).
 *
 * A browser the account signed in from before (TrustedDevice) is counted
 * on its own instead of the account: strangers who exhaust the account's
 * attempts do not lock its owner out, and that browser still gets only as
 * many guesses. The client address is the real one behind the trusted
 * proxies (TRUSTED_PROXIES), so one proxy does not throttle everyone.
 *
 * Each attempt is counted before the check (an atomic upsert in the shared
 * database, so parallel guesses from several processes cannot slip past);
 * a successful sign-in clears the account's count and refunds the
 * address's, an attempt that failed for another reason is refunded (the
 * address's count only when the User Office answered).
 */
@inject()
export default class LoginThrottle {
  #account = limiter.use({
    requests: portalConfig.loginThrottle.accountAttempts,
    duration: portalConfig.loginThrottle.window,
    blockDuration: portalConfig.loginThrottle.window,
  })

  #address = limiter.use({
    requests: portalConfig.loginThrottle.addressAttempts,
    duration: portalConfig.loginThrottle.window,
    blockDuration: portalConfig.loginThrottle.window,
  })

  /** Forgets an account's failed attempts (its key holds the username: account erasure). */
  async forgetAccount(username: string) {
    await this.#account.delete(`login:account:${username.toLowerCase()}`)
  }

  /**
   * Runs `attempt` unless the account (or, for a browser it signed in from
   * before, that browser: `deviceKey`) or the address is throttled, in
   * which case it throws the limiter's 429 exception.
   */
  async guard<T>(
    username: string,
    clientIp: string | null,
    deviceKey: string | null,
    attempt: () => Promise<T>
  ) {
    const accountKey = deviceKey
      ? `login:device:${deviceKey}`
      : `login:account:${username.toLowerCase()}`
    const addressKey = `login:address:${clientIp ?? 'unknown'}`

    await this.#address.consume(addressKey)
    try {
      await this.#account.consume(accountKey)
    } catch (error) {
      await this.#address.decrement(addressKey)
      throw error
    }

    try {
      const result = await attempt()
      await this.#account.delete(accountKey)
      await this.#address.decrement(addressKey)
      return result
    } catch (error) {
      if (!(error instanceof InvalidCredentialsException)) {
        await this.#account.decrement(accountKey)
        // During a User Office outage an address keeps paying for its
        // attempts, so nobody can hammer the User Office through the portal.
        if (!(error instanceof UserOfficeUnavailableException)) {
          await this.#address.decrement(addressKey)
        }
      }
      throw error
    }
  }
}
