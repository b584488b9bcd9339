import { DateTime } from 'luxon'
import { BaseModel, belongsTo, column, hasMany } from '@adonisjs/lucid/orm'
import type { BelongsTo, HasMany } from '@adonisjs/lucid/types/relations'
import User from '#models/user'
import Image from '#models/image'
import Experiment from '#models/experiment'
import ExperimentSession from '#models/experiment_session'
import EnvironmentEvent from '#models/environment_event'
import EnvironmentShare from '#models/environment_share'
import type { EnvironmentState } from '#domain/environment_states'

/** An analysis environment: a container or pod a user requisitioned. */
export default class Environment extends BaseModel {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare userId: number

  @column()
  declare imageId: number

  @column()
  declare experimentId: number | null

  @column()
  declare sessionId: number | null

  @column()
  declare name: string

  @column()
  declare driver: 'docker' | 'kubernetes'

  @column()
  declare state: EnvironmentState

  @column()
  declare failureReason: string | null

  @column()
  declare engineId: string | null

  @column()
  declare endpointHost: string | null

  @column()
  declare endpointPort: number | null

  /** Encrypted with the app key; decrypt only to hand it to its owner or the engine. */
  @column({ serializeAs: null })
  declare secret: string

  @column()
  declare cpuMillicores: number

  @column({ consume: Number })
  declare memoryBytes: number

  @column({ consume: Number })
  declare storageBytes: number

  @column()
  declare gpus: number

  @column.dateTime()
  declare expiresAt: DateTime

  /** The latest use seen (remote desktop, web application, portal access); null before any. */
  @column.dateTime()
  declare lastActivityAt: DateTime | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  @belongsTo(() => User)
  declare user: BelongsTo<typeof User>

  @belongsTo(() => Image)
  declare image: BelongsTo<typeof Image>

  @belongsTo(() => Experiment)
  declare experiment: BelongsTo<typeof Experiment>

  @belongsTo(() => ExperimentSession, { foreignKey: 'sessionId' })
  declare session: BelongsTo<typeof ExperimentSession>

  @hasMany(() => EnvironmentEvent)
  declare events: HasMany<typeof EnvironmentEvent>

  /** Colleagues it is shared with (EnvironmentSharing). */
  @hasMany(() => EnvironmentShare)
  declare shares: HasMany<typeof EnvironmentShare>
}
