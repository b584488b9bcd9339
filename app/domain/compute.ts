/**
 * The compute vocabulary every layer shares: which engine runs an
 * environment and how a person reaches it.
 */

/** Engines environments run on (app/services/provisioning has one driver each). */
export type DriverName = 'docker' | 'kubernetes'

/** Access protocols an image can offer: http directly, the others through Guacamole. */
export type AccessProtocol = 'vnc' | 'rdp' | 'ssh' | 'http'
