/**
 * The compute vocabulary every layer shares: which engine runs an
 * environment and how a person reaches it.
 */

/** Engines environments run on (app/services/provisioning has one driver each). */
export type DriverName = 'docker' | 'kubernetes'

/** Access protocols an image can offer: http directly, the others through Guacamole. */
export type AccessProtocol = 'vnc' | 'rdp' | 'ssh' | 'http'

/**
 * `<instance>-env-<id>`: the name of an environment's engine objects (a
 * container; a pod, its service and its secret). A DNS-1123 label that
 * is also a valid Service name (DNS-1035: starts with a letter), at most
 * 63 characters, different between installations sharing one engine or
 * namespace. Ids only, never the username: usernames with dots, dashes
 * or capitals made invalid object names elsewhere (CalipsoPlus).
 */
export function engineObjectName(instanceId: string, environmentId: number) {
  const suffix = `-env-${environmentId}`
  const prefix = instanceId
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, 63 - suffix.length)
    .replace(/-+$/, '')
  return `${prefix || 'portal'}${suffix}`
}
