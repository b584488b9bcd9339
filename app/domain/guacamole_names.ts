import { GUACAMOLE_TEXT_LIMITS, guacamoleTextProblem } from '#domain/guacamole_text'

/**
 * How the portal names the Guacamole users and connections it makes:
 * "<PORTAL_INSTANCE_ID>-env-<environment id>-<random hex>", lower case.
 */

/** environments.id is an unsigned int: at most 10 digits. */
export const ENVIRONMENT_ID_DIGITS = 10
/** Random bytes (hex) that make each Guacamole username unguessable and unique. */
export const USERNAME_RANDOM_BYTES = 6

/**
 * Why names built from this installation id would not fit Guacamole's
 * columns, or null when they do (checked at boot).
 */
export function instanceIdProblem(instanceId: string): string | null {
  // "-<environment id>-<random hex>" after the prefix.
  const suffix = 1 + ENVIRONMENT_ID_DIGITS + 1 + USERNAME_RANDOM_BYTES * 2
  const longest = `${instanceId}-env`.toLowerCase() + 'x'.repeat(suffix)
  switch (guacamoleTextProblem(longest, GUACAMOLE_TEXT_LIMITS.name)) {
    case 'characters':
      return 'has characters Guacamole cannot store (outside the Basic Multilingual Plane)'
    case 'length':
      return `is too long: Guacamole names "<id>-env-<environment id>-<random>" must fit in ${GUACAMOLE_TEXT_LIMITS.name} characters, so at most ${GUACAMOLE_TEXT_LIMITS.name - suffix - '-env'.length}`
  }
  return null
}
