import { DateTime } from 'luxon'
import { BaseModel, column, hasMany } from '@adonisjs/lucid/orm'
import type { HasMany } from '@adonisjs/lucid/types/relations'
import ExperimentSession from '#models/experiment_session'
import ExperimentMember from '#models/experiment_member'

/** Where an experiment record comes from. */
export type ExperimentSource = 'useroffice' | 'local'

/** A proposal: the unit of data and membership at a facility. */
export default class Experiment extends BaseModel {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare proposalId: string

  @column()
  declare title: string

  @column()
  declare abstract: string | null

  @column()
  declare instrument: string | null

  /** POSIX identity the experiment's data belongs to; environments run as it. */
  @column()
  declare posixUid: number | null

  @column()
  declare posixGid: number | null

  @column()
  declare source: ExperimentSource

  @column.dateTime()
  declare startsAt: DateTime | null

  @column.dateTime()
  declare lastSyncedAt: DateTime | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  @hasMany(() => ExperimentSession)
  declare sessions: HasMany<typeof ExperimentSession>

  @hasMany(() => ExperimentMember)
  declare members: HasMany<typeof ExperimentMember>
}
