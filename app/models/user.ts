import { DateTime } from 'luxon'
import hash from '@adonisjs/core/services/hash'
import { compose } from '@adonisjs/core/helpers'
import { BaseModel, column, hasMany } from '@adonisjs/lucid/orm'
import type { HasMany } from '@adonisjs/lucid/types/relations'
import { withAuthFinder } from '@adonisjs/auth/mixins/lucid'
import type { AccessToken } from '@adonisjs/auth/access_tokens'
import { StoredAccessTokens } from '#models/stored_access_tokens'
import UserRole from '#models/user_role'
import type { Role } from '#models/role'

/** How the account signs in. */
export type AuthProvider = 'local' | 'useroffice' | 'saml' | 'oidc'

const AuthFinder = withAuthFinder(() => hash.use('scrypt'), {
  uids: ['username'],
  passwordColumnName: 'password',
})

export default class User extends compose(BaseModel, AuthFinder) {
  static accessTokens = new StoredAccessTokens({
    tokenableModel: User,
    prefix: 'fp_',
    table: 'auth_access_tokens',
    type: 'personal_token',
    tokenSecretLength: 40,
  })

  declare currentAccessToken?: AccessToken

  @column({ isPrimary: true })
  declare id: number

  @column()
  declare username: string

  @column()
  declare email: string | null

  @column()
  declare displayName: string | null

  @column()
  declare provider: AuthProvider

  @column()
  declare externalId: string | null

  /** Local accounts only; hashed by the auth finder on save, never serialised. */
  @column({ serializeAs: null })
  declare password: string | null

  @column({ consume: (value) => Boolean(value) })
  declare disabled: boolean

  @column.dateTime()
  declare lastLoginAt: DateTime | null

  /** Last successful sync of this user's experiments from the User Office. */
  @column.dateTime()
  declare experimentsSyncedAt: DateTime | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  @hasMany(() => UserRole)
  declare roleRows: HasMany<typeof UserRole>

  /** Roles this request may not use although the account holds them (see `withholdRole`). */
  #withheld = new Set<Role>()

  /**
   * Role names in effect for this request; the "roleRows" relation must be
   * loaded.
   */
  get roles(): Role[] {
    return (this.$preloaded.roleRows ? this.roleRows : [])
      .map((row) => row.role)
      .filter((role) => !this.#withheld.has(role))
      .sort()
  }

  /**
   * Takes a role away for the rest of this request only: the request's
   * credentials do not carry it (a token without the admin scope).
   */
  withholdRole(role: Role) {
    this.#withheld.add(role)
  }

  hasRole(role: Role) {
    return this.roles.includes(role)
  }

  get isAdmin() {
    return this.hasRole('admin')
  }
}
