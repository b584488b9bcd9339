import type { DateTime } from 'luxon'
import type Environment from '#models/environment'

/**
 * When a running environment will be stopped for idleness: its latest
 * activity (set when it starts, so never null for a running one; its
 * last change otherwise) plus its image's idle limit. Null when the
 * image has none. The image must be preloaded.
 */
export function idleDeadline(environment: Environment): DateTime | null {
  const limit = environment.image.idleLimitMinutes
  if (!limit) {
    return null
  }
  const since = environment.lastActivityAt ?? environment.updatedAt
  return since.plus({ minutes: limit })
}

/** "1 hour", "24 hours", "90 minutes": a duration as people read it in a notification. */
export function describeDuration(ms: number) {
  const minutes = Math.max(1, Math.round(ms / 60_000))
  if (minutes % 60 === 0) {
    const hours = minutes / 60
    return `${hours} hour${hours === 1 ? '' : 's'}`
  }
  return `${minutes} minute${minutes === 1 ? '' : 's'}`
}

/** A deadline as text in notifications: UTC, to the minute. */
export function describeInstant(instant: DateTime) {
  return `${instant.toUTC().toFormat('yyyy-MM-dd HH:mm')} UTC`
}
