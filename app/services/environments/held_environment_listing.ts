import type User from '#models/user'
import type { EnvironmentState } from '#domain/environment_states'
import { heldEnvironment, heldEnvironments } from '#models/held_environments'

export type EnvironmentFilters = { state?: EnvironmentState; page?: number; perPage?: number }

export type OwnEnvironmentFilters = EnvironmentFilters & {
  /** owner: only one's own; shared: only those shared with one; absent: both. */
  holding?: 'owner' | 'shared'
}

/**
 * The scientist's list of environments. Apart from EnvironmentService
 * (whose chain of quota, lifecycle, provisioning and User Office services
 * the container would build for every request) because the list needs
 * none of it: resolving that chain was a tenth of the list's CPU.
 */
export default class HeldEnvironmentListing {
  /**
   * The user's environments and those shared with them while they still
   * belong to the environment's experiment (removed ones excluded unless
   * asked for), each with the caller's role (owner, user, guest) and,
   * for shared ones, the owner's username: one statement, plain rows.
   */
  async list(user: User, filters: OwnEnvironmentFilters) {
    const shape = `${filters.holding ?? 'both'}|${filters.state ? 'state' : ''}` as const
    const parameters = { userId: user.id, state: filters.state ?? '' }
    const { rows, paginator } = await heldEnvironments.page(
      shape,
      parameters,
      filters.page ?? 1,
      filters.perPage ?? 20
    )
    return {
      page: paginator,
      rows: rows.map((row) => heldEnvironment(row, user.id)),
    }
  }
}
