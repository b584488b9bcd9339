import { DateTime } from 'luxon'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import type { Role } from '#models/role'

/**
 * A catalogue entry that is only a URL (an e-logbook, a data catalogue, a
 * JupyterHub): no container, no quota. With `proposalTemplate`, its URL
 * holds `{proposal}`, replaced by the caller's proposal id when opened
 * (app/domain/link_template.ts).
 */
export default class LinkResource extends BaseModel {
  static table = 'link_resources'

  @column({ isPrimary: true })
  declare id: number

  @column()
  declare name: string

  @column()
  declare description: string | null

  /** The admin's URL, or URL template with `{proposal}` in its path or query. */
  @column()
  declare url: string

  /** Whether `{proposal}` in the URL is replaced by the caller's proposal id. */
  @column({ consume: (value) => Boolean(value) })
  declare proposalTemplate: boolean

  /** Whether it is opened for one of the caller's experiments (always so when templated). */
  @column({ consume: (value) => Boolean(value) })
  declare requiresExperiment: boolean

  @column({ consume: (value) => Boolean(value) })
  declare enabled: boolean

  /** Roles that may open it; everyone holds "scientist". */
  @column({
    prepare: (value: Role[]) => JSON.stringify(value ?? ['scientist']),
    consume: (value: string | Role[] | null): Role[] =>
      typeof value === 'string' ? JSON.parse(value) : (value ?? ['scientist']),
  })
  declare allowedRoles: Role[]

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime
}
