import { Exception } from '@adonisjs/core/exceptions'

export type QuotaLimitName =
  'environments' | 'cpuMillicores' | 'memoryBytes' | 'storageBytes' | 'gpus'

/**
 * The request would take the user over a quota limit. Names the limit,
 * what was asked for and what is still available.
 */
export default class QuotaExceededException extends Exception {
  static status = 409
  static code = 'E_QUOTA_EXCEEDED'

  readonly meta: { limit: QuotaLimitName; requested: number; available: number; max: number }

  constructor(limit: QuotaLimitName, requested: number, available: number, max: number) {
    super(
      `Quota exceeded for ${limit}: requested ${requested}, available ${Math.max(0, available)} (limit ${max})`
    )
    this.meta = { limit, requested, available: Math.max(0, available), max }
  }
}
