import { DateTime } from 'luxon'
import { BaseModel, column } from '@adonisjs/lucid/orm'

/** An e-mail waiting to be sent (or sent); the outbox job delivers and retries them. */
export default class MailOutboxMessage extends BaseModel {
  static table = 'mail_outbox'

  @column({ isPrimary: true })
  declare id: number

  @column()
  declare notificationId: number | null

  @column()
  declare recipient: string

  @column()
  declare subject: string

  @column()
  declare body: string

  @column()
  declare attempts: number

  @column.dateTime()
  declare nextAttemptAt: DateTime

  @column.dateTime()
  declare sentAt: DateTime | null

  @column()
  declare lastError: string | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime
}
