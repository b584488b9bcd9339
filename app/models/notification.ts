import { DateTime } from 'luxon'
import { BaseModel, column } from '@adonisjs/lucid/orm'

/** What a notification is about. */
export type NotificationKind = 'expiry_warning' | 'idle_warning' | 'idle_stopped'

/** A message to one user, shown in the console (and e-mailed when mail is on). */
export default class Notification extends BaseModel {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare userId: number

  @column()
  declare environmentId: number | null

  @column()
  declare kind: NotificationKind

  @column()
  declare subject: string

  @column()
  declare body: string

  @column()
  declare link: string | null

  /** Unique: the same warning is never stored (nor sent) twice. */
  @column({ serializeAs: null })
  declare dedupeKey: string | null

  @column.dateTime()
  declare readAt: DateTime | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime
}
