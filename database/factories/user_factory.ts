import factory from '@adonisjs/lucid/factories'
import User from '#models/user'
import UserRole from '#models/user_role'
import type { Role } from '#models/role'

/** Password every factory-made local account gets unless told otherwise. */
export const FACTORY_PASSWORD = 'correct horse battery staple'

export const UserFactory = factory
  .define(User, ({ faker }) => {
    const username = `${faker.internet
      .username()
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '')}${faker.string.numeric(6)}`
    return {
      username,
      email: `${username}@facility.example`,
      displayName: faker.person.fullName(),
      provider: 'local' as const,
      externalId: null,
      password: FACTORY_PASSWORD,
      disabled: false,
    }
  })
  .state('disabled', (user) => {
    user.disabled = true
  })
  .build()

/**
 * A saved user holding the given roles (always at least "scientist"),
 * with its roles loaded.
 */
export async function createUser(
  options: { roles?: Role[]; disabled?: boolean; username?: string; password?: string } = {}
) {
  const user = await UserFactory.merge({
    ...(options.username ? { username: options.username } : {}),
    ...(options.password ? { password: options.password } : {}),
    disabled: options.disabled ?? false,
  }).create()
  const roles = [...new Set<Role>(['scientist', ...(options.roles ?? [])])]
  await UserRole.createMany(roles.map((role) => ({ userId: user.id, role })))
  await user.load((loader) => loader.load('roleRows'))
  return user
}

/** One role row; the caller merges `userId` (and the role and its source when they matter). */
export const UserRoleFactory = factory
  .define(UserRole, () => ({ role: 'scientist' as Role, source: 'manual' as const }))
  .build()
