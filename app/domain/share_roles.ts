/**
 * How a colleague holds an environment shared with them:
 * - user: everything the owner may do inside it (open, type, click);
 * - guest: watch only, where the protocol can enforce it (Guacamole's
 *   `read-only` connection parameter; web applications cannot).
 */
export const SHARE_ROLES = ['user', 'guest'] as const

export type ShareRole = (typeof SHARE_ROLES)[number]

/** How the caller holds an environment: their own, or shared with them in a role. */
export const ENVIRONMENT_ROLES = ['owner', ...SHARE_ROLES] as const

export type EnvironmentRole = (typeof ENVIRONMENT_ROLES)[number]

/** Protocols whose connections Guacamole can make view-only (`read-only`). */
export const VIEW_ONLY_PROTOCOLS = ['vnc', 'rdp', 'ssh'] as const

/** Whether an environment speaking `protocol` can be shared in `role`. */
export function shareableAs(protocol: string, role: ShareRole) {
  return role === 'user' || (VIEW_ONLY_PROTOCOLS as readonly string[]).includes(protocol)
}
