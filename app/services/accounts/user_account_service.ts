import { randomBytes } from 'node:crypto'
import { inject } from '@adonisjs/core'
import db from '@adonisjs/lucid/services/db'
import User from '#models/user'
import UserRole from '#models/user_role'
import type { Role } from '#models/role'
import AuditService from '#services/audit_service'
import RequestOrigin from '#services/request_origin'
import ConflictException from '#exceptions/conflict_exception'

export type LocalAccountInput = {
  username: string
  password: string
  email?: string | null
  displayName?: string | null
  roles: Role[]
}

/**
 * Creates and bootstraps portal accounts (the ace commands and first
 * start use it; sign-in providers create theirs on first login).
 */
@inject()
export default class UserAccountService {
  constructor(protected audit: AuditService) {}

  /** Creates a local account with its roles in one transaction. */
  async createLocal(input: LocalAccountInput, actor: User | null, origin: RequestOrigin) {
    const user = await db.transaction(async (trx) => {
      const existing = await User.query({ client: trx }).where('username', input.username).first()
      if (existing) {
        throw new ConflictException(`User "${input.username}" already exists`)
      }
      const created = await User.create(
        {
          username: input.username,
          password: input.password,
          email: input.email ?? null,
          displayName: input.displayName ?? null,
          provider: 'local',
          disabled: false,
        },
        { client: trx }
      )
      const roles = [...new Set<Role>(['scientist', ...input.roles])]
      await UserRole.createMany(
        roles.map((role) => ({ userId: created.id, role })),
        { client: trx }
      )
      return created
    })
    await user.load('roleRows')
    await this.audit.record({
      actor,
      action: 'user.create',
      outcome: 'success',
      origin,
      objectType: 'user',
      objectId: user.id,
      details: { provider: 'local', roles: user.roles },
    })
    return user
  }

  /**
   * First start: when no admin exists, creates one. Returns the generated
   * password when none was configured (to print once), otherwise null.
   */
  async bootstrapAdmin(config: { username: string; password?: string; email?: string }) {
    const hasAdmin = await UserRole.query().where('role', 'admin').first()
    if (hasAdmin) {
      return { created: false as const }
    }
    const password = config.password ?? randomBytes(18).toString('base64url')
    await this.createLocal(
      { username: config.username, password, email: config.email, roles: ['admin'] },
      null,
      RequestOrigin.cli()
    )
    return { created: true as const, generatedPassword: config.password ? null : password }
  }
}
