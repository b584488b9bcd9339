import { inject } from '@adonisjs/core'
import { errors as limiterErrors } from '@adonisjs/limiter'
import type User from '#models/user'
import AuditService from '#services/audit_service'
import LoginThrottle from '#services/auth/login_throttle'
import CredentialProviders from '#services/auth/credential_providers'
import SignInCompletion from '#services/auth/sign_in_completion'
import type RequestOrigin from '#services/request_origin'
import InvalidCredentialsException from '#exceptions/invalid_credentials_exception'
import { usernameDigest } from '#services/auth/username_digest'
import { signIns } from '#services/metrics/portal_metrics'

/** A refused password sign-in as portal_sign_ins_total counts it (no account known yet). */
function refusalOutcome(error: unknown) {
  if (error instanceof limiterErrors.E_TOO_MANY_REQUESTS) {
    return 'throttled'
  }
  // Anything else (the User Office unreachable, the database down) is no verdict on the password.
  return error instanceof InvalidCredentialsException ? 'failure' : 'error'
}

/**
 * Password sign-in: throttles, asks each configured credential provider in
 * order, audits every refusal, and ends like every sign-in (SignInCompletion).
 */
@inject()
export default class SignInService {
  constructor(
    protected providers: CredentialProviders,
    protected throttle: LoginThrottle,
    protected audit: AuditService,
    protected completion: SignInCompletion
  ) {}

  /**
   * Returns the signed-in user (roles loaded) or throws
   * InvalidCredentialsException, AccountDisabledException, the limiter's
   * 429, or a 503 when a provider cannot be reached. `deviceKey` names the
   * browser when it signed in as `username` before (TrustedDevice): its
   * attempts are then counted apart from the account's.
   */
  async signIn(
    username: string,
    password: string,
    origin: RequestOrigin,
    deviceKey: string | null = null
  ): Promise<User> {
    let user: User
    try {
      user = await this.throttle.guard(username, origin.clientIp, deviceKey, () =>
        this.#checkCredentials(username, password, origin)
      )
    } catch (error) {
      signIns.inc({ provider: 'password', outcome: refusalOutcome(error) })
      await this.audit.record({
        actor: null,
        action: 'auth.login',
        outcome: error instanceof limiterErrors.E_TOO_MANY_REQUESTS ? 'denied' : 'failure',
        origin,
        objectType: 'user',
        // A digest, never the typed text: it may be a password typed in the wrong field.
        details: {
          usernameDigest: usernameDigest(username),
          reason: (error as { code?: string }).code ?? 'E_UNKNOWN',
        },
      })
      throw error
    }

    return this.completion.complete(
      user,
      { action: 'auth.login', provider: user.provider, details: { provider: user.provider } },
      origin
    )
  }

  /** Asks each provider in turn until one knows the username. */
  async #checkCredentials(username: string, password: string, origin: RequestOrigin) {
    for (const provider of this.providers.list()) {
      const user = await provider.authenticate(username, password, origin)
      if (user) {
        return user
      }
    }
    throw new InvalidCredentialsException()
  }
}
