import { DateTime } from 'luxon'
import { BaseModel, belongsTo, column } from '@adonisjs/lucid/orm'
import type { BelongsTo } from '@adonisjs/lucid/types/relations'
import Experiment from '#models/experiment'
import type { StoredMountCheck } from '#domain/dataset_mounts'

/** A beamtime of an experiment, with the data it may mount. */
export default class ExperimentSession extends BaseModel {
  static table = 'experiment_sessions'

  @column({ isPrimary: true })
  declare id: number

  @column()
  declare experimentId: number

  @column()
  declare sessionNumber: string

  @column()
  declare title: string | null

  @column()
  declare description: string | null

  @column.dateTime()
  declare startsAt: DateTime | null

  @column.dateTime()
  declare endsAt: DateTime | null

  /** The outside system's raw value; holds host paths, so never serialised. */
  @column({ serializeAs: null })
  declare dataSetPath: string | null

  /**
   * Confined mounts and per-mount errors, as checked at the last sync or
   * edit (reads recheck one made under other rules: refreshStaleMountChecks).
   */
  @column({
    prepare: (value: StoredMountCheck) => JSON.stringify(value),
    consume: (value: string | StoredMountCheck) =>
      typeof value === 'string' ? JSON.parse(value) : value,
  })
  declare mounts: StoredMountCheck

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  @belongsTo(() => Experiment)
  declare experiment: BelongsTo<typeof Experiment>
}
