import { authCacheConfig } from '#config/auth'
import { CredentialCache } from '#models/credential_cache'
import type { AccountRows } from '#models/account_rows'
import type { StoredToken } from '#models/stored_access_tokens'

/**
 * What a bearer check read: the token (it holds the stored SHA-256 hash of
 * the secret, never the secret) and its owner. A hit must still pass the
 * presented secret against the stored hash.
 */
export type VerifiedTokenRows = AccountRows & { token: StoredToken }

const ttlMs = () => authCacheConfig.ttlMs
const maxEntries = () => authCacheConfig.maxEntries

/** Bearer tokens by token id (app/models/token_owners.ts). */
export const verifiedTokens = new CredentialCache<VerifiedTokenRows>(ttlMs, maxEntries)

/**
 * A browser session's stored row as read: its data as stored (signed for
 * the session id, verified again at every use) and its expiry (ms).
 */
export type SessionRow = { data: string; expiresAt: number }

/** Session users by user id (app/models/session_users.ts). */
export const sessionAccounts = new CredentialCache<AccountRows>(ttlMs, maxEntries)

/**
 * Browser sessions by session id, under the account they are tagged with
 * (app/models/remembered_sessions.ts).
 */
export const sessionRows = new CredentialCache<SessionRow>(ttlMs, maxEntries)

/**
 * This process forgets what it remembers of the account, its sessions
 * included: call after the change is committed (disabled, erased, roles,
 * password, profile, tokens, sessions ended).
 */
export function forgetAccount(userId: number | string) {
  verifiedTokens.forgetAccount(userId)
  sessionAccounts.forgetAccount(userId)
  sessionRows.forgetAccount(userId)
}

/** This process forgets a revoked token at once. */
export function forgetToken(tokenId: number | string) {
  verifiedTokens.forget(tokenId)
}

/** This process forgets sessions at once: call after they were written or deleted. */
export function forgetSessions(sessionIds: Iterable<string>) {
  for (const sessionId of sessionIds) {
    sessionRows.forget(sessionId)
  }
}
