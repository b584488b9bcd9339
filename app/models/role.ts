/**
 * What a user may do. Every signed-in person is at least a scientist;
 * admins run the facility's portal.
 */
export const ROLES = ['scientist', 'admin'] as const

export type Role = (typeof ROLES)[number]
