import { DateTime } from 'luxon'
import { BaseModel, belongsTo, column } from '@adonisjs/lucid/orm'
import type { BelongsTo } from '@adonisjs/lucid/types/relations'
import User from '#models/user'
import type { ShareRole } from '#domain/share_roles'

/** An environment shared by its owner with a member of its experiment. */
export default class EnvironmentShare extends BaseModel {
  static table = 'environment_shares'

  @column({ isPrimary: true })
  declare id: number

  @column()
  declare environmentId: number

  @column()
  declare userId: number

  @column()
  declare role: ShareRole

  /** Who shared it (the owner); null once that account is gone. */
  @column()
  declare grantedBy: number | null

  /** When the colleague last received a way in; null before they opened it. */
  @column.dateTime()
  declare lastOpenedAt: DateTime | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  @belongsTo(() => User)
  declare user: BelongsTo<typeof User>
}
