import { guacamoleTextProblem } from '#domain/guacamole_text'

/**
 * Rules for the environment variables an image passes to its containers.
 * Names starting with PORTAL_ belong to the portal (the per-environment
 * secret, the owner, …): an image must not be able to set or shadow them.
 */

export const RESERVED_PREFIX = 'PORTAL_'

/** POSIX-portable variable names. */
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/** Why `name` may not be set by an image, or null when it may. */
export function environmentNameProblem(name: string): string | null {
  if (!NAME.test(name) || name.length > 128) {
    return `"${name.slice(0, 128)}" is not a valid variable name (letters, digits and _, not starting with a digit, at most 128)`
  }
  // Case-insensitively: a shell or an entry point may well upper-case names.
  if (name.toUpperCase().startsWith(RESERVED_PREFIX)) {
    return `"${name}" is reserved: names starting with ${RESERVED_PREFIX} belong to the portal`
  }
  // A valid POSIX name, but a trap wherever the map is handled as a plain object.
  if (name === '__proto__') {
    return `"${name}" is not allowed`
  }
  return null
}

/** The RDP/SSH login name inside the container; also a Guacamole connection parameter. */
export const REMOTE_USER = 'REMOTE_USER'

/** A login name, not a document (Guacamole's parameter column would hold 4096). */
const REMOTE_USER_MAX = 256

/**
 * Why `value` may not be the value of variable `name`, or null when it may.
 * REMOTE_USER ends up in Guacamole's database, whose utf8 (3-byte) columns
 * cannot hold characters outside the Basic Multilingual Plane: refused
 * here, or every access to such an environment would fail.
 */
export function environmentValueProblem(name: string, value: string): string | null {
  if (name !== REMOTE_USER) {
    return null
  }
  if (value.length === 0 || /\p{Cc}/u.test(value)) {
    return `${REMOTE_USER} must be a login name: not empty, no control characters`
  }
  switch (guacamoleTextProblem(value, REMOTE_USER_MAX)) {
    case 'characters':
      return `${REMOTE_USER} has characters Guacamole cannot store (outside the Basic Multilingual Plane, e.g. emoji)`
    case 'length':
      return `${REMOTE_USER} must be at most ${REMOTE_USER_MAX} characters`
  }
  return null
}
