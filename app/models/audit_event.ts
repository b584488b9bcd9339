import { DateTime } from 'luxon'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import { millisecondTimestamp } from '#models/millisecond_timestamp'

export type AuditOutcome = 'success' | 'failure' | 'denied'

export default class AuditEvent extends BaseModel {
  static table = 'audit_events'

  @column({ isPrimary: true })
  declare id: number

  @column.dateTime(millisecondTimestamp)
  declare occurredAt: DateTime

  @column()
  declare actorId: number | null

  @column()
  declare actorName: string | null

  @column()
  declare action: string

  @column()
  declare objectType: string | null

  @column()
  declare objectId: string | null

  @column()
  declare outcome: AuditOutcome

  @column()
  declare clientIp: string | null

  @column()
  declare userAgent: string | null

  @column()
  declare requestId: string | null

  @column({
    prepare: (value: Record<string, unknown> | null) => (value ? JSON.stringify(value) : null),
    consume: (value: string | null) => (value ? JSON.parse(value) : null),
  })
  declare details: Record<string, unknown> | null
}
