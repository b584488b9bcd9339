import { inject } from '@adonisjs/core'
import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import User from '#models/user'
import { QuotaDefault, UserQuota } from '#models/quota_limits'
import AuditService from '#services/audit_service'
import type RequestOrigin from '#services/request_origin'
import QuotaService, { type QuotaAmounts } from '#services/environments/quota_service'
import NotFoundException from '#exceptions/not_found_exception'
import type { QuotaLimitName } from '#exceptions/quota_exceeded_exception'

/**
 * A whole quota as admins write it, sizes already parsed (see
 * resource_units.ts).
 */
export type QuotaFields = {
  environments: number
  /** Millicores. */
  cpu: number
  /** Bytes. */
  memory: number
  /** Bytes. */
  storage: number
  gpus: number
}

/** The site default is the single row with this id. */
const DEFAULT_ROW_ID = 1

function amountsOf(fields: QuotaFields): QuotaAmounts {
  return {
    environments: fields.environments,
    cpuMillicores: fields.cpu,
    memoryBytes: fields.memory,
    storageBytes: fields.storage,
    gpus: fields.gpus,
  }
}

function names(amounts: QuotaAmounts) {
  return Object.keys(amounts) as QuotaLimitName[]
}

function same(a: QuotaAmounts, b: QuotaAmounts) {
  return names(a).every((name) => a[name] === b[name])
}

/** The limits the usage is above (possible once an admin lowers a quota). */
function overLimit(limits: QuotaAmounts, usage: QuotaAmounts) {
  return names(limits).filter((name) => usage[name] > limits[name])
}

function isSqlite(trx: TransactionClientContract) {
  return trx.dialect.name.includes('sqlite')
}

/** The loser of two first-time inserts of the same row (a duplicate key, or a MySQL deadlock). */
function isLostInsertRace(error: any) {
  return (
    error?.code === 'ER_DUP_ENTRY' ||
    error?.code === 'ER_LOCK_DEADLOCK' ||
    error?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    error?.code === 'SQLITE_CONSTRAINT_UNIQUE'
  )
}

/**
 * Admins' side of quotas: the site default and per-user overrides.
 * Reading and enforcing quotas is QuotaService's job.
 */
@inject()
export default class QuotaAdminService {
  constructor(
    protected quotas: QuotaService,
    protected audit: AuditService
  ) {}

  /** The site default in effect: the stored one, or the configured one when none is stored. */
  async siteDefault() {
    return this.quotas.siteDefault()
  }

  /**
   * Stores the site default (users without an override get it at once).
   * Audits `quota.default.update` with the old and new values when the
   * stored default changed; storing the configured values the first
   * time counts as a change, since the default then no longer follows
   * the configuration.
   */
  async updateSiteDefault(
    actor: User | null,
    fields: QuotaFields,
    origin: RequestOrigin
  ): Promise<QuotaAmounts> {
    const amounts = amountsOf(fields)
    const { old, changed } = await this.retryLostInsert(() =>
      db.transaction(async (trx) => {
        const row = await this.lockStoredDefault(trx)
        const previous = await this.quotas.siteDefault(trx)
        if (row && same(previous, amounts)) {
          return { old: previous, changed: false }
        }
        if (row) {
          await row.merge(amounts).useTransaction(trx).save()
        } else {
          await QuotaDefault.create({ id: DEFAULT_ROW_ID, ...amounts }, { client: trx })
        }
        return { old: previous, changed: true }
      })
    )
    if (changed) {
      await this.audit.record({
        actor,
        action: 'quota.default.update',
        outcome: 'success',
        origin,
        objectType: 'quota',
        objectId: 'default',
        details: { old, new: amounts },
      })
    }
    return this.quotas.siteDefault()
  }

  /** A user's limits, usage, what is left, and whether the limits are an override; 404 for an unknown user. */
  async userSummary(userId: number) {
    const user = await User.find(userId)
    if (!user) {
      throw new NotFoundException(`User ${userId} not found`)
    }
    return this.quotas.summaryFor(user.id)
  }

  /**
   * Gives the user limits of their own. Limits below what the user holds
   * are allowed: nothing is taken away, new requisitions are refused
   * until usage drops, and `overLimit` names the limits concerned.
   * Audits `quota.user.update` when the override changed.
   */
  async updateUserQuota(
    actor: User | null,
    userId: number,
    fields: QuotaFields,
    origin: RequestOrigin
  ) {
    const amounts = amountsOf(fields)
    const result = await db.transaction(async (trx) => {
      // Requisitions take the same lock, so usage cannot move while it is compared.
      const user = await this.lockUser(trx, userId)
      const before = await this.quotas.limitsFor(user.id, trx)
      const changed = !before.custom || !same(before.limits, amounts)
      if (changed) {
        await UserQuota.updateOrCreate({ userId: user.id }, amounts, { client: trx })
      }
      const summary = await this.quotas.summaryFor(user.id, trx)
      return { user, before, changed, summary }
    })
    const { user, before, changed, summary } = result
    const over = overLimit(summary.limits, summary.usage)
    if (changed) {
      await this.audit.record({
        actor,
        action: 'quota.user.update',
        outcome: 'success',
        origin,
        objectType: 'user',
        objectId: user.id,
        details: {
          username: user.username,
          old: before.limits,
          oldWasCustom: before.custom,
          new: amounts,
          overLimit: over,
        },
      })
    }
    return { ...summary, custom: true as const, overLimit: over }
  }

  /**
   * Removes the user's override: they get the site default again. 404
   * when the user is unknown or has no override. Audits `quota.user.reset`.
   */
  async resetUserQuota(actor: User | null, userId: number, origin: RequestOrigin) {
    const { user, old, fallback } = await db.transaction(async (trx) => {
      const found = await this.lockUser(trx, userId)
      const { limits, custom } = await this.quotas.limitsFor(found.id, trx)
      if (!custom) {
        throw new NotFoundException(`User ${userId} has no quota of their own`)
      }
      await UserQuota.query({ client: trx }).where('user_id', found.id).delete()
      return { user: found, old: limits, fallback: await this.quotas.siteDefault(trx) }
    })
    await this.audit.record({
      actor,
      action: 'quota.user.reset',
      outcome: 'success',
      origin,
      objectType: 'user',
      objectId: user.id,
      details: { username: user.username, old, new: fallback },
    })
  }

  /**
   * The user, locked for the rest of the transaction like requisitions
   * lock it (MySQL; SQLite serialises writers anyway).
   */
  protected async lockUser(trx: TransactionClientContract, userId: number) {
    const query = User.query({ client: trx }).where('id', userId)
    if (!isSqlite(trx)) {
      query.forUpdate()
    }
    const user = await query.first()
    if (!user) {
      throw new NotFoundException(`User ${userId} not found`)
    }
    return user
  }

  /** The stored site default, locked for the rest of the transaction; null when none is stored. */
  protected async lockStoredDefault(trx: TransactionClientContract) {
    const query = QuotaDefault.query({ client: trx }).where('id', DEFAULT_ROW_ID)
    if (!isSqlite(trx)) {
      query.forUpdate()
    }
    return query.first()
  }

  /**
   * Two admins storing the first default at once both find no row; the
   * loser's insert fails, and its retry finds (and locks) the winner's row.
   */
  protected async retryLostInsert<Result>(write: () => Promise<Result>): Promise<Result> {
    try {
      return await write()
    } catch (error) {
      if (!isLostInsertRace(error)) {
        throw error
      }
      return write()
    }
  }
}
