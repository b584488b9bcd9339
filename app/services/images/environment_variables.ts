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
