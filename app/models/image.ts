import { compose } from '@adonisjs/core/helpers'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import { booleanColumn, CatalogueEntry, jsonColumn } from '#models/catalogue_entry'
import type { AccessProtocol, DriverName } from '#domain/compute'
import type { PullPolicy } from '#domain/image_pull_policy'

/** The back ends an image can run on. */
export type ImageDriver = DriverName

// Records, so that adding a member to either type fails to compile until it is listed here.
const DRIVERS: Record<ImageDriver, true> = { docker: true, kubernetes: true }
const PROTOCOLS: Record<AccessProtocol, true> = { vnc: true, rdp: true, ssh: true, http: true }

export const IMAGE_DRIVERS = Object.keys(DRIVERS) as ImageDriver[]
export const ACCESS_PROTOCOLS = Object.keys(PROTOCOLS) as AccessProtocol[]

/**
 * BIGINT columns as JS numbers. mysql2 already returns numbers (strings
 * only when asked to); anything beyond 2^53 would be silently rounded, so
 * it is refused instead.
 */
function safeNumber(value: unknown): number {
  const number = Number(value)
  if (!Number.isSafeInteger(number)) {
    throw new Error(`Expected a whole number below 2^53, the database returned ${String(value)}`)
  }
  return number
}

/**
 * An analysis environment image admins offer: what to run (a Docker or
 * pod image reference), how users reach it, and the resources an
 * environment of it gets by default.
 */
export default class Image extends compose(BaseModel, CatalogueEntry) {
  /** Docker image / pod image reference, e.g. "registry.example.org/analysis/jupyter:2024.1". */
  @column()
  declare reference: string

  @column()
  declare driver: ImageDriver

  @column()
  declare protocol: AccessProtocol

  /** The port the image's service listens on inside the container. */
  @column()
  declare port: number

  @column()
  declare cpuMillicores: number

  @column({ consume: safeNumber })
  declare memoryBytes: number

  @column({ consume: safeNumber })
  declare storageBytes: number

  @column()
  declare gpus: number

  /** Extra variables for the container; never PORTAL_* (those are the portal's). */
  @column(jsonColumn<Record<string, string>>({}))
  declare environment: Record<string, string>

  /** Overrides the image's command; null keeps the image's own. */
  @column({
    prepare: (value: string[] | null) => (value === null ? null : JSON.stringify(value)),
    consume: (value: string | string[] | null) =>
      typeof value === 'string' ? JSON.parse(value) : value,
  })
  declare command: string[] | null

  /** Whether its containers run with a read-only root file system (/tmp a scratch volume). */
  @column(booleanColumn)
  declare readOnlyRootFilesystem: boolean

  /** When the engine pulls it from its registry: a missing image only, or at every launch. */
  @column()
  declare pullPolicy: PullPolicy

  /** Overrides the site's environment lifetime; null uses the site's. */
  @column()
  declare lifetimeHours: number | null

  /** A running environment of this image unused this long is stopped; null: never. */
  @column()
  declare idleLimitMinutes: number | null
}
