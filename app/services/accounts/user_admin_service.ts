import { inject } from '@adonisjs/core'
import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import User, { type AuthProvider } from '#models/user'
import UserRole from '#models/user_role'
import Environment from '#models/environment'
import type { Role } from '#models/role'
import AuditService from '#services/audit_service'
import type RequestOrigin from '#services/request_origin'
import QuotaService from '#services/environments/quota_service'
import AccessTokenService from '#services/accounts/access_token_service'
import AccessService, { opensWithToken } from '#services/access/access_service'
import EnvironmentService from '#services/environments/environment_service'
import { forgetAccount } from '#models/verified_credentials'
import NotFoundException from '#exceptions/not_found_exception'
import ConflictException from '#exceptions/conflict_exception'

export type UserFilters = {
  search?: string
  role?: Role
  provider?: AuthProvider
  disabled?: boolean
  page?: number
  perPage?: number
}

export type UserChanges = { roles?: Role[]; disabled?: boolean; stopEnvironments?: boolean }

/** A LIKE pattern matching `text` anywhere, its wildcards taken literally. */
function containing(text: string) {
  return `%${text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`
}

function sameRoles(a: Role[], b: Role[]) {
  return a.length === b.length && a.every((role) => b.includes(role))
}

/**
 * Admins' view and management of accounts: search, details, roles and
 * disabling. Erasure is UserErasureService's job.
 */
@inject()
export default class UserAdminService {
  constructor(
    protected quotas: QuotaService,
    protected environments: EnvironmentService,
    protected audit: AuditService,
    protected tokens: AccessTokenService,
    protected access: AccessService
  ) {}

  /** Accounts matching the filters, oldest first, one page at a time. */
  list(filters: UserFilters) {
    return User.query()
      .if(filters.search, (query) => {
        const pattern = containing(filters.search!)
        query.where((where) => {
          where
            .whereILike('username', pattern)
            .orWhereILike('email', pattern)
            .orWhereILike('display_name', pattern)
        })
      })
      .if(filters.role, (query) =>
        query.whereHas('roleRows', (roles) => roles.where('role', filters.role!))
      )
      .if(filters.provider, (query) => query.where('provider', filters.provider!))
      .if(filters.disabled !== undefined, (query) => query.where('disabled', filters.disabled!))
      .preload('roleRows')
      .orderBy('id', 'asc')
      .paginate(filters.page ?? 1, filters.perPage ?? 20)
  }

  /** The account with its roles loaded; 404 when unknown. */
  async find(userId: number) {
    const user = await User.query().where('id', userId).preload('roleRows').first()
    if (!user) {
      throw new NotFoundException(`User ${userId} not found`)
    }
    return user
  }

  /** The account, its quota (limits, usage, available, custom) and its environments not yet removed. */
  async details(userId: number) {
    const user = await this.find(userId)
    const quota = await this.quotas.summaryFor(user.id)
    const environments = await Environment.query()
      .where('user_id', user.id)
      .whereNot('state', 'removed')
      .preload('image')
      .orderBy('id', 'desc')
    for (const environment of environments) {
      environment.$setRelated('user', user)
    }
    return { user, quota, environments }
  }

  /**
   * Replaces the account's manual roles (scientist is always kept; roles
   * the SAML IdP granted are its to change), disables or enables it, and
   * optionally stops its running environments. Disabling ends every
   * browser session and revokes every API token of the account. An admin
   * cannot take their own admin role away or disable themselves (409).
   * Audits `user.update` with the changed fields. `admin` is null for an
   * operator's ace command.
   */
  async update(admin: User | null, userId: number, changes: UserChanges, origin: RequestOrigin) {
    if (userId === admin?.id) {
      if (changes.disabled === true) {
        throw new ConflictException('You cannot disable your own account')
      }
      if (changes.roles && !changes.roles.includes('admin')) {
        throw new ConflictException('You cannot remove your own admin role')
      }
    }
    const { user, changed } = await db.transaction(async (trx) => {
      const found = await User.query({ client: trx }).where('id', userId).forUpdate().first()
      if (!found) {
        throw new NotFoundException(`User ${userId} not found`)
      }
      const diff: Record<string, { old: unknown; new: unknown }> = {}
      if (changes.roles) {
        const roles = await this.replaceManualRoles(trx, found.id, changes.roles)
        if (!sameRoles(roles.old, roles.new)) {
          diff.roles = roles
        }
        if (roles.old.includes('admin') && !roles.new.includes('admin')) {
          await this.tokens.revokeAdminScoped(found.id, trx)
        }
      }
      if (changes.disabled !== undefined && changes.disabled !== found.disabled) {
        diff.disabled = { old: found.disabled, new: changes.disabled }
        found.disabled = changes.disabled
        await found.useTransaction(trx).save()
        if (found.disabled) {
          await this.endAccess(trx, found.id)
        }
      }
      return { user: found, changed: diff }
    })
    // Roles, the disabled flag and tokens may have changed: this process stops reusing what it read.
    forgetAccount(user.id)
    const disabledNow = changed.disabled !== undefined && user.disabled
    // A disabled person keeps no way into what still runs: Guacamole records go at
    // once, and web applications that take the environment's secret as their login
    // token are stopped, since a running application cannot be made to forget it.
    const revoked = disabledNow ? await this.access.revokeAllOf(user) : null
    const stopped = changes.stopEnvironments
      ? await this.environments.stopAllOf(admin, user, origin)
      : disabledNow
        ? await this.environments.stopAllOf(admin, user, origin, opensWithToken)
        : []
    if (Object.keys(changed).length > 0 || stopped.length > 0) {
      await this.audit.record({
        actor: admin,
        action: 'user.update',
        outcome: 'success',
        origin,
        objectType: 'user',
        objectId: user.id,
        details: {
          username: user.username,
          changes: changed,
          stoppedEnvironments: stopped,
          ...(revoked && revoked.environments.length > 0
            ? { accessRevoked: revoked.environments }
            : {}),
          ...(revoked ? revoked.sessions : {}),
        },
      })
    }
    return this.find(user.id)
  }

  /** Sets the manual roles to `wanted` plus scientist; returns the role names before and after. */
  protected async replaceManualRoles(
    trx: TransactionClientContract,
    userId: number,
    wanted: Role[]
  ) {
    const rows = await UserRole.query({ client: trx }).where('user_id', userId)
    const old = rows.map((row) => row.role).sort()
    const keep = new Set<Role>(['scientist', ...wanted])
    const dropped = rows.filter((row) => row.source === 'manual' && !keep.has(row.role))
    if (dropped.length > 0) {
      await UserRole.query({ client: trx })
        .whereIn(
          'id',
          dropped.map((row) => row.id)
        )
        .delete()
    }
    const missing = [...keep].filter((role) => !old.includes(role))
    for (const role of missing) {
      await UserRole.create({ userId, role, source: 'manual' }, { client: trx })
    }
    const now = [...old.filter((role) => !dropped.some((row) => row.role === role)), ...missing]
    return { old, new: now.sort() }
  }

  /** Ends the account's browser sessions (rows tagged with its id) and deletes its API tokens. */
  async endAccess(trx: TransactionClientContract, userId: number) {
    await trx.from('sessions').where('user_id', String(userId)).delete()
    await trx.from('auth_access_tokens').where('tokenable_id', userId).delete()
  }
}
