import type { DateTime } from 'luxon'
import type Environment from '#models/environment'

/**
 * Somewhere the portal learns when a running environment was last used.
 * Each source answers for the environments it knows about and leaves the
 * others out; a source that cannot be reached throws, and the tracker
 * carries on with the others (activity only ever moves forward).
 */
export interface ActivitySource {
  readonly name: string
  /** The latest use it saw of each environment (running ones, image preloaded). */
  lastActivity(environments: Environment[]): Promise<Map<number, DateTime>>
}
