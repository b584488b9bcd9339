import { DateTime } from 'luxon'
import { BaseModel, column } from '@adonisjs/lucid/orm'

/** The five limits of a quota, as stored. */
export abstract class QuotaLimitsColumns extends BaseModel {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare environments: number

  @column()
  declare cpuMillicores: number

  @column({ consume: Number })
  declare memoryBytes: number

  @column({ consume: Number })
  declare storageBytes: number

  @column()
  declare gpus: number

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime
}

/** The site's default quota (a single row). */
export class QuotaDefault extends QuotaLimitsColumns {
  static table = 'quota_defaults'
}

/** An admin's override of one user's quota. */
export class UserQuota extends QuotaLimitsColumns {
  static table = 'user_quotas'

  @column()
  declare userId: number
}
