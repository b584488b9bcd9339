import { BaseModel, column } from '@adonisjs/lucid/orm'
import type { Role } from '#models/role'

/** Who granted a role: an admin or the CLI, or the SAML IdP's attributes. */
export const ROLE_SOURCES = ['manual', 'saml', 'oidc'] as const
export type RoleSource = (typeof ROLE_SOURCES)[number]

export default class UserRole extends BaseModel {
  static table = 'user_roles'

  @column({ isPrimary: true })
  declare id: number

  @column()
  declare userId: number

  @column()
  declare role: Role

  @column()
  declare source: RoleSource
}
