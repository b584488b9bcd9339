import userOfficeConfig from '#config/user_office'
import type User from '#models/user'
import type UserOfficeClient from '#services/user_office/user_office_client'
import NotAuthorizedByUserOfficeException from '#exceptions/not_authorized_by_user_office_exception'

type CachedAnswer = { authorized: boolean; until: number }

/**
 * Whether a user may launch environments that are not tied to an
 * experiment, as the User Office's contract endpoint 3 decides
 * (USER_OFFICE_AUTHORIZED_URL). Without that setting such launches are
 * open to everyone. Local accounts (facility staff the portal's admins
 * manage) are not User Office accounts and are not asked about.
 *
 * Answers are kept for USER_OFFICE_AUTHORIZED_CACHE_SECONDS per process,
 * so a burst of launches costs one call; failures are never kept. One
 * instance per process (providers/services_provider.ts).
 */
export default class UserOfficeAuthorization {
  readonly #answers = new Map<string, CachedAnswer>()

  constructor(protected client: UserOfficeClient) {}

  /** Whether the check applies at all: the User Office is on and endpoint 3 configured. */
  get enforced() {
    return userOfficeConfig.enabled && Boolean(userOfficeConfig.authorizedUrl)
  }

  /**
   * Throws NotAuthorizedByUserOfficeException (403) when the User Office
   * answers false or does not know the user (a federated account the User
   * Office did not resolve is not its to know: refused without asking), and
   * UserOfficeUnavailableException (503) when it gives no usable answer:
   * nothing is launched on an unknown answer.
   */
  async assertMayLaunchOutsideExperiments(user: User) {
    if (!this.enforced || user.provider === 'local') {
      return
    }
    // The User Office knows its own accounts only: a federated account's name is its IdP's
    // assertion, and asking about it would lend it the authorisation of whoever holds that name.
    if (user.provider !== 'useroffice' || !(await this.#isAuthorized(user.username))) {
      throw new NotAuthorizedByUserOfficeException()
    }
  }

  /** Drops every kept answer (tests, and an operator's change of heart in the User Office). */
  forget() {
    this.#answers.clear()
  }

  async #isAuthorized(username: string) {
    const now = Date.now()
    const cached = this.#answers.get(username)
    if (cached && cached.until > now) {
      return cached.authorized
    }
    // null: the User Office does not know the user, which authorises nothing.
    const authorized = (await this.client.isAuthorized(username)) === true
    if (userOfficeConfig.authorizedCacheMs > 0) {
      this.#answers.set(username, { authorized, until: now + userOfficeConfig.authorizedCacheMs })
    }
    return authorized
  }
}
