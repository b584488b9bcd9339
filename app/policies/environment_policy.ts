import { BasePolicy, allowGuest } from '@adonisjs/bouncer'
import type User from '#models/user'
import type Environment from '#models/environment'

/**
 * Through which door someone acts on an environment: its owner's routes
 * (/api/v1/environments) or the admin tree (/api/v1/admin/environments,
 * and the operator's ace commands). An admin on the owner's routes is a
 * person like any other there.
 */
export type EnvironmentDoor = 'owner' | 'admin'

/**
 * Who may see and act on an environment. Whoever may not is told "not
 * found", exactly as for a missing one (AuthorizedEnvironments), so
 * nobody learns of other users' environments. A null user is the
 * operator at the console (ace commands), who acts through the admin door.
 */
export default class EnvironmentPolicy extends BasePolicy {
  /** Read it and follow its progress. */
  @allowGuest()
  view(user: User | null, environment: Environment, door: EnvironmentDoor) {
    return this.#decide(user, environment, door)
  }

  /** Stop, start, remove, extend it, and open it. */
  @allowGuest()
  operate(user: User | null, environment: Environment, door: EnvironmentDoor) {
    return this.#decide(user, environment, door)
  }

  /** The owner through their door; admins (and the operator) through theirs, on anyone's. */
  #decide(user: User | null, environment: Environment, door: EnvironmentDoor) {
    if (door === 'admin') {
      return user === null || user.isAdmin
    }
    return user !== null && user.id === environment.userId
  }
}
