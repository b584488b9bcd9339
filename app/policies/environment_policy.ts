import { BasePolicy, allowGuest } from '@adonisjs/bouncer'
import type User from '#models/user'
import type Environment from '#models/environment'
import type EnvironmentShare from '#models/environment_share'
import type { EnvironmentRole } from '#domain/share_roles'

/**
 * Through which door someone acts on an environment: the scientists' routes
 * (/api/v1/environments: its owner, and colleagues it is shared with) or
 * the admin tree (/api/v1/admin/environments, and the operator's ace
 * commands). An admin on the scientists' routes is a person like any other
 * there.
 */
export type EnvironmentDoor = 'owner' | 'admin'

/**
 * The caller's share of the environment, when AuthorizedEnvironments
 * loaded it (only the caller's own share row is ever preloaded).
 */
function shareOf(user: User, environment: Environment): EnvironmentShare | undefined {
  const shares = environment.$preloaded.shares as EnvironmentShare[] | undefined
  return shares?.find((share) => share.userId === user.id)
}

/**
 * How `user` holds the environment through the scientists' door: owner,
 * user or guest of a share, or null for someone it means nothing to.
 */
export function environmentRoleOf(
  user: User | null,
  environment: Environment
): EnvironmentRole | null {
  if (!user) {
    return null
  }
  if (user.id === environment.userId) {
    return 'owner'
  }
  return shareOf(user, environment)?.role ?? null
}

/**
 * Who may see and act on an environment. Whoever may not even see it is
 * told "not found", exactly as for a missing one (AuthorizedEnvironments),
 * so nobody learns of other users' environments. A null user is the
 * operator at the console (ace commands), who acts through the admin door.
 *
 * | action  | owner | shared user | shared guest | admin door |
 * | ------- | ----- | ----------- | ------------ | ---------- |
 * | view    | yes   | yes         | yes          | yes        |
 * | open    | yes   | yes         | yes (watch)  | no route   |
 * | operate | yes   | no          | no           | yes        |
 * | share   | yes   | no          | no           | yes        |
 */
export default class EnvironmentPolicy extends BasePolicy {
  /** Read it and follow its progress. */
  @allowGuest()
  view(user: User | null, environment: Environment, door: EnvironmentDoor) {
    return door === 'admin' ? this.#admin(user) : environmentRoleOf(user, environment) !== null
  }

  /** Open it (a guest's way in is view-only: AccessService). */
  @allowGuest()
  open(user: User | null, environment: Environment, door: EnvironmentDoor) {
    return this.view(user, environment, door)
  }

  /** Stop, start, remove, extend it. */
  @allowGuest()
  operate(user: User | null, environment: Environment, door: EnvironmentDoor) {
    return door === 'admin' ? this.#admin(user) : environmentRoleOf(user, environment) === 'owner'
  }

  /** Share it with colleagues, list and revoke its shares (admins: anyone's). */
  @allowGuest()
  share(user: User | null, environment: Environment, door: EnvironmentDoor) {
    return this.operate(user, environment, door)
  }

  #admin(user: User | null) {
    return user === null || user.isAdmin
  }
}
