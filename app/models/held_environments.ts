import db from '@adonisjs/lucid/services/db'
import type { ChainableContract } from '@adonisjs/lucid/types/querybuilder'
import type { EnvironmentRole } from '#domain/share_roles'
import {
  listedEnvironmentRow,
  listedEnvironmentsQuery,
  type ListedEnvironmentRow,
} from '#models/listed_environment'
import { PreparedSelect } from '#models/prepared_select'

/**
 * The shapes of a user's environment list: which holdings it shows (their
 * own, those shared with them, or both), whether it filters by state, and
 * whether it reads a page or counts.
 */
export type HeldEnvironmentsShape =
  `${'owner' | 'shared' | 'both'}|${'state' | ''}|${'page' | 'count'}`

/**
 * The environments a user holds, as one prepared statement per shape: their
 * own, and those shared with them while they are still members of the
 * environment's experiment, with images, owners' names and the caller's
 * share joined in. Removed ones only when asked for by state. Parameters:
 * userId, state (when filtering), limit and offset (pages).
 *
 * The held ids come first, as a UNION of the own rows (environments'
 * (user_id, state) index) and the shared ones (environment_shares' user_id
 * index, then primary keys), and the page joins the environments to them:
 * `user_id = ? OR id IN (…)` made MariaDB walk every environment by its
 * primary key for each request (docs/benchmarks.md, issue 16 stop 27).
 */
export const heldEnvironments = new PreparedSelect<HeldEnvironmentsShape>((shape, slot) => {
  const [holding, state, reads] = shape.split('|')
  const inState = <Query extends ChainableContract>(query: Query, column: string): Query =>
    state ? query.where(column, slot('state')) : query.whereNot(column, 'removed')
  const own = inState(
    db.from('environments as own').where('own.user_id', slot('userId')).select('own.id'),
    'own.state'
  )
  // CROSS JOIN with ON, here and below: an inner join that SQLite also reads in the order
  // written (the caller's shares, then the held ids), rather than from the state's index.
  const sharedWithUser = inState(
    db
      .from('environment_shares')
      .crossJoin('environments as shared', 'shared.id', 'environment_shares.environment_id')
      .join('experiment_members', (join) => {
        join
          .on('experiment_members.experiment_id', '=', 'shared.experiment_id')
          .andOn('experiment_members.user_id', '=', 'environment_shares.user_id')
      })
      .where('environment_shares.user_id', slot('userId'))
      .select('environment_shares.environment_id as id'),
    'shared.state'
  )
  // UNION, not UNION ALL: an id both owned and shared is listed once, as `IN` did.
  const held =
    holding === 'owner' ? own : holding === 'shared' ? sharedWithUser : own.union(sharedWithUser)
  const query = listedEnvironmentsQuery((environments) =>
    environments.from(held.as('held')).crossJoin('environments', 'environments.id', 'held.id')
  )
    // The caller's own share of each row (one at most: unique per environment and user).
    .select('my_shares.role as my_share_role')
    .leftJoin('environment_shares as my_shares', (join) => {
      join
        .on('my_shares.environment_id', '=', 'environments.id')
        .andOnVal('my_shares.user_id', '=', slot('userId'))
    })
  if (reads === 'count') {
    return query.clearSelect().count('* as total')
  }
  return query.orderBy('environments.id', 'desc').limit(slot('limit')).offset(slot('offset'))
})

/** An environment of the user's list, as the views read it, with how the user holds it. */
export type HeldEnvironment = ListedEnvironmentRow & {
  role: EnvironmentRole
  sharedBy: string | null
}

/**
 * A row of `heldEnvironments` as the model would read it (dates as the API
 * shows them), and how `userId` holds it: owner, or the role it was shared
 * with, naming the owner.
 */
export function heldEnvironment(row: Record<string, unknown>, userId: number): HeldEnvironment {
  const own = row.user_id === userId
  return {
    ...listedEnvironmentRow(row),
    role: own ? 'owner' : ((row.my_share_role as EnvironmentRole | null) ?? 'user'),
    sharedBy: own ? null : ((row.listed_owner_username as string | null | undefined) ?? null),
  }
}
