import { DateTime } from 'luxon'
import { BaseModel, belongsTo, column } from '@adonisjs/lucid/orm'
import type { BelongsTo } from '@adonisjs/lucid/types/relations'
import Experiment from '#models/experiment'
import User from '#models/user'
import type { ExperimentSource } from '#models/experiment'

/** A user's membership of an experiment, with their favourite flag. */
export default class ExperimentMember extends BaseModel {
  static table = 'experiment_members'

  @column({ isPrimary: true })
  declare id: number

  @column()
  declare experimentId: number

  @column()
  declare userId: number

  @column()
  declare role: string

  @column({ consume: (value) => Boolean(value) })
  declare favorite: boolean

  /** Sync replaces "useroffice" memberships only; "local" ones are admins' to manage. */
  @column()
  declare source: ExperimentSource

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  @belongsTo(() => Experiment)
  declare experiment: BelongsTo<typeof Experiment>

  @belongsTo(() => User)
  declare user: BelongsTo<typeof User>
}
