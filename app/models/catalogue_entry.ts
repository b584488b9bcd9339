import { DateTime } from 'luxon'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import type { NormalizeConstructor } from '@adonisjs/core/types/helpers'
import type { Role } from '#models/role'

/** A TINYINT(1) (MySQL) or INTEGER (SQLite) column read as a boolean. */
export const booleanColumn = { consume: (value: unknown) => Boolean(value) }

/** A JSON value in a TEXT column; `fallback` stands for a missing one. */
export function jsonColumn<Value>(fallback: Value) {
  return {
    prepare: (value: Value) => JSON.stringify(value ?? fallback),
    consume: (value: string | Value | null): Value =>
      typeof value === 'string' ? JSON.parse(value) : (value ?? fallback),
  }
}

/**
 * The columns every catalogue entry (an image, a link) has: a unique name,
 * a description, whether it is offered and to which roles, and whether it
 * is used for one of the caller's experiments.
 */
export function CatalogueEntry<Model extends NormalizeConstructor<typeof BaseModel>>(
  superclass: Model
) {
  class Entry extends superclass {
    @column({ isPrimary: true })
    declare id: number

    @column()
    declare name: string

    @column()
    declare description: string | null

    /** Whether it is used for one of the caller's experiments (an image's data mounts, a link's proposal). */
    @column(booleanColumn)
    declare requiresExperiment: boolean

    @column(booleanColumn)
    declare enabled: boolean

    /** Roles that may use it; everyone holds "scientist". */
    @column(jsonColumn<Role[]>(['scientist']))
    declare allowedRoles: Role[]

    @column.dateTime({ autoCreate: true })
    declare createdAt: DateTime

    @column.dateTime({ autoCreate: true, autoUpdate: true })
    declare updatedAt: DateTime
  }
  return Entry
}
