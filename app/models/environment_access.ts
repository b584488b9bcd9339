import { DateTime } from 'luxon'
import { BaseModel, column } from '@adonisjs/lucid/orm'

/**
 * The Guacamole user and connection the portal made for one person on one
 * environment: its owner, or a colleague it is shared with.
 */
export default class EnvironmentAccess extends BaseModel {
  static table = 'environment_access'

  @column({ isPrimary: true })
  declare id: number

  @column()
  declare environmentId: number

  /** Whose records these are (the owner's, or a colleague's). */
  @column()
  declare userId: number

  @column()
  declare broker: string

  @column()
  declare guacamoleEntityId: number

  @column()
  declare guacamoleConnectionId: number

  @column()
  declare guacamoleUsername: string

  /** Encrypted with the app key. */
  @column({ serializeAs: null })
  declare guacamolePassword: string

  @column()
  declare endpointHost: string

  @column()
  declare endpointPort: number

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime
}
