import type { LucidModel, ModelQueryBuilderContract } from '@adonisjs/lucid/types/model'
import type User from '#models/user'
import type { Role } from '#models/role'

/*
 * What the image and link catalogues share: entries have a name, a
 * description and the roles allowed to use them (a JSON array column,
 * `allowed_roles`), and users search them the same way.
 */

type Query = ModelQueryBuilderContract<LucidModel, any>

// "!" rather than a backslash: MySQL and SQLite read backslashes in literals differently.
function escapeLike(value: string) {
  return value.replace(/[!%_]/g, (char) => `!${char}`)
}

/** Narrows the query to names or descriptions containing `search` (literally). */
export function searchedByNameOrDescription<Q extends Query>(query: Q, search: string | undefined) {
  if (search) {
    const pattern = `%${escapeLike(search)}%`
    query.where((group) =>
      group
        .whereRaw(`name like ? escape '!'`, [pattern])
        .orWhereRaw(`description like ? escape '!'`, [pattern])
    )
  }
  return query
}

/** Narrows the query to entries one of `roles` may use (none when `roles` is empty). */
export function allowedToAnyOf<Q extends Query>(query: Q, roles: Role[]) {
  return query.where((group) => {
    // Roles are stored as a JSON array of plain words, so '"admin"' matches exactly one.
    for (const role of roles) {
      group.orWhereRaw(`allowed_roles like ? escape '!'`, [`%${escapeLike(`"${role}"`)}%`])
    }
    if (roles.length === 0) {
      group.whereRaw('1 = 0')
    }
  })
}

/** The user's roles, loaded when the caller has not preloaded them. */
export async function rolesOf(user: User) {
  if (!user.$preloaded.roleRows) {
    await user.load((loader) => loader.load('roleRows'))
  }
  return user.roles
}

/** Allowed roles as stored: each once, sorted, so that two lists compare by content. */
export function storedRoles(roles: Role[]) {
  return [...new Set(roles)].sort()
}
