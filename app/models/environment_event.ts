import { DateTime } from 'luxon'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import { millisecondTimestamp } from '#models/millisecond_timestamp'
import type { EnvironmentState } from '#domain/environment_states'

/** A progress step or state transition of an environment. */
export default class EnvironmentEvent extends BaseModel {
  static table = 'environment_events'

  @column({ isPrimary: true, consume: Number })
  declare id: number

  @column()
  declare environmentId: number

  @column()
  declare step: string

  @column()
  declare message: string

  /** The state entered, when this event is a transition. */
  @column()
  declare state: EnvironmentState | null

  /** To the millisecond: usage accounting measures the time between transitions. */
  @column.dateTime(millisecondTimestamp)
  declare occurredAt: DateTime
}
