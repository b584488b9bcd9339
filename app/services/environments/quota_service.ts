import { inject } from '@adonisjs/core'
import db from '@adonisjs/lucid/services/db'
import type { QueryClientContract } from '@adonisjs/lucid/types/database'
import type Environment from '#models/environment'
import type User from '#models/user'
import { QuotaDefault, UserQuota } from '#models/quota_limits'
import { rowsOf } from '#models/raw_rows'
import environmentsConfig from '#config/environments'
import { HOLDS_COMPUTE, HOLDS_SLOT } from '#domain/environment_states'
import QuotaExceededException, { type QuotaLimitName } from '#exceptions/quota_exceeded_exception'
import LaunchLimitException from '#exceptions/launch_limit_exception'
import { quotaRefusals } from '#services/metrics/portal_metrics'

export type QuotaAmounts = Record<QuotaLimitName, number>

const LIMITS: QuotaLimitName[] = [
  'environments',
  'cpuMillicores',
  'memoryBytes',
  'storageBytes',
  'gpus',
]

/** The `resource` label of portal_quota_refusals_total for each limit. */
const RESOURCE_LABEL: Record<QuotaLimitName, string> = {
  environments: 'environments',
  cpuMillicores: 'cpu',
  memoryBytes: 'memory',
  storageBytes: 'storage',
  gpus: 'gpus',
}

/** The column of each limit in quota_defaults and user_quotas. */
const LIMIT_COLUMNS: Record<QuotaLimitName, string> = {
  environments: 'environments',
  cpuMillicores: 'cpu_millicores',
  memoryBytes: 'memory_bytes',
  storageBytes: 'storage_bytes',
  gpus: 'gpus',
}

function pick(row: QuotaAmounts): QuotaAmounts {
  return Object.fromEntries(LIMITS.map((name) => [name, Number(row[name])])) as QuotaAmounts
}

/** The amounts from columns named `${prefix}${limit}`, 0 where a column is missing or null. */
function pickPrefixed(row: Record<string, unknown>, prefix: string): QuotaAmounts {
  return Object.fromEntries(
    LIMITS.map((name) => [name, Number(row[`${prefix}${name}`] ?? 0)])
  ) as QuotaAmounts
}

const slots = HOLDS_SLOT.map(() => '?').join(', ')
const computes = HOLDS_COMPUTE.map(() => '?').join(', ')

/** What a user's environments hold: slots and storage while they exist, compute while they run. */
const USAGE_SQL = [
  `SUM(CASE WHEN state IN (${slots}) THEN 1 ELSE 0 END) AS environments`,
  `SUM(CASE WHEN state IN (${slots}) THEN storage_bytes ELSE 0 END) AS storageBytes`,
  `SUM(CASE WHEN state IN (${computes}) THEN cpu_millicores ELSE 0 END) AS cpuMillicores`,
  `SUM(CASE WHEN state IN (${computes}) THEN memory_bytes ELSE 0 END) AS memoryBytes`,
  `SUM(CASE WHEN state IN (${computes}) THEN gpus ELSE 0 END) AS gpus`,
].join(', ')
const USAGE_BINDINGS = [
  ...HOLDS_SLOT,
  ...HOLDS_SLOT,
  ...HOLDS_COMPUTE,
  ...HOLDS_COMPUTE,
  ...HOLDS_COMPUTE,
]

/**
 * Everything a reservation compares, in one statement read once the user's
 * row is locked: the user's override and the stored site default (a row
 * or nulls each), the usage, and, when `countLaunches`, the launches in
 * progress site-wide.
 */
function standingSql(countLaunches: boolean) {
  const limits = (alias: string, prefix: string) =>
    LIMITS.map((name) => `${alias}.${LIMIT_COLUMNS[name]} AS ${prefix}${name}`).join(', ')
  const launches = countLaunches
    ? "(SELECT COUNT(*) FROM environments WHERE state = 'provisioning')"
    : '0'
  return `SELECT uq.id AS override_id, ${limits('uq', 'override_')},
      qd.id AS default_id, ${limits('qd', 'default_')},
      ${LIMITS.map((name) => `used.${name} AS used_${name}`).join(', ')},
      ${launches} AS launches
    FROM users
    LEFT JOIN user_quotas uq ON uq.user_id = users.id
    LEFT JOIN (SELECT * FROM quota_defaults ORDER BY id LIMIT 1) qd ON 1 = 1
    CROSS JOIN (SELECT ${USAGE_SQL} FROM environments WHERE user_id = ?) used
    WHERE users.id = ?`
}

/**
 * The limits that apply to a user, in order of precedence: an admin's
 * override, else the stored site default, else the configured one.
 */
function applicableLimits(override: QuotaAmounts | null, storedDefault: QuotaAmounts | null) {
  return override
    ? { limits: override, custom: true }
    : { limits: storedDefault ?? { ...environmentsConfig.defaultQuota }, custom: false }
}

/** What a launch of `environment` asks for: a new one takes a slot and storage too, a start only compute. */
export function launchRequest(
  environment: Pick<Environment, 'cpuMillicores' | 'memoryBytes' | 'storageBytes' | 'gpus'>,
  how: 'create' | 'start'
): QuotaAmounts {
  return {
    environments: how === 'create' ? 1 : 0,
    storageBytes: how === 'create' ? environment.storageBytes : 0,
    cpuMillicores: environment.cpuMillicores,
    memoryBytes: environment.memoryBytes,
    gpus: environment.gpus,
  }
}

/**
 * Per-user limits (site default or an admin's override), what the user's
 * environments hold against them, and the reservation of a launch: the
 * lock, the limits, the usage and the site-wide launch cap in one place.
 */
@inject()
export default class QuotaService {
  /** The site default: the stored one, or the configured starting value. */
  async siteDefault(client?: QueryClientContract): Promise<QuotaAmounts> {
    const stored = await QuotaDefault.query({ client }).first()
    return applicableLimits(null, stored && pick(stored)).limits
  }

  /** The user's limits and whether they are an override. */
  async limitsFor(userId: number, client?: QueryClientContract) {
    const override = await UserQuota.query({ client }).where('user_id', userId).first()
    const stored = override ? null : await QuotaDefault.query({ client }).first()
    return applicableLimits(override && pick(override), stored && pick(stored))
  }

  /** What the user's environments hold: slots and storage while they exist, compute while they run. */
  async usageOf(userId: number, client?: QueryClientContract): Promise<QuotaAmounts> {
    const row = await (client ?? db)
      .from('environments')
      .where('user_id', userId)
      .select(db.raw(USAGE_SQL, USAGE_BINDINGS))
      .first()
    return pickPrefixed(row ?? {}, '')
  }

  /** `{limits, usage, available}` for GET /api/v1/quota. */
  async summary(user: User) {
    return this.summaryFor(user.id)
  }

  /** The same as `summary` by user id, optionally inside a transaction (admins' views). */
  async summaryFor(userId: number, client?: QueryClientContract) {
    const { limits, custom } = await this.limitsFor(userId, client)
    const usage = await this.usageOf(userId, client)
    const available = Object.fromEntries(
      LIMITS.map((name) => [name, Math.max(0, limits[name] - usage[name])])
    ) as QuotaAmounts
    return { limits, usage, available, custom }
  }

  /**
   * Reserves `request` for the user inside `trx`, the transaction that
   * then records what holds it (a new environment, or a stopped one moved
   * back to "provisioning"): locks the user's row, so concurrent launches
   * of one user across every portal process queue up, then checks the
   * limits and the launch cap, which one more statement reads (standingSql).
   */
  async reserve(userId: number, request: QuotaAmounts, trx: QueryClientContract) {
    await trx.from('users').where('id', userId).forUpdate().select('id').first()
    const launchLimit = environmentsConfig.maxConcurrentLaunches
    const [standing] = rowsOf(
      await trx.rawQuery(standingSql(launchLimit > 0), [...USAGE_BINDINGS, userId, userId])
    )
    if (!standing) {
      // No such user (the lock found none): nothing of theirs can hold quota.
      return this.assertFits(await this.siteDefault(trx), pickPrefixed({}, ''), request)
    }
    const { limits } = applicableLimits(
      (standing.override_id ?? null) !== null ? pickPrefixed(standing, 'override_') : null,
      (standing.default_id ?? null) !== null ? pickPrefixed(standing, 'default_') : null
    )
    this.assertFits(limits, pickPrefixed(standing, 'used_'), request)
    this.#assertLaunchCapacity(launchLimit, Number(standing.launches))
  }

  /**
   * Throws QuotaExceededException unless `request` fits next to `usage`.
   * Call inside the transaction that locked the user's row and records the
   * reservation, so concurrent requests cannot both fit.
   */
  assertFits(limits: QuotaAmounts, usage: QuotaAmounts, request: QuotaAmounts) {
    for (const name of LIMITS) {
      if (request[name] > 0 && usage[name] + request[name] > limits[name]) {
        quotaRefusals.inc({ resource: RESOURCE_LABEL[name] })
        throw new QuotaExceededException(
          name,
          request[name],
          limits[name] - usage[name],
          limits[name]
        )
      }
    }
  }

  /**
   * The site-wide cap on launches in progress (JupyterHub's concurrent
   * spawn limit). Counted without a site-wide lock, so simultaneous
   * requests may overshoot it by a few: it shields the engine from bursts,
   * it is not a quota.
   */
  #assertLaunchCapacity(limit: number, launches: number) {
    if (limit > 0 && launches >= limit) {
      throw new LaunchLimitException(limit)
    }
  }
}
