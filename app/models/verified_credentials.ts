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

/** Session users by user id (app/models/session_users.ts); the session itself is read every time. */
export const sessionAccounts = new CredentialCache<AccountRows>(ttlMs, maxEntries)

/**
 * This process forgets what it remembers of the account: call after the
 * change is committed (disabled, erased, roles, password, profile, tokens).
 */
export function forgetAccount(userId: number | string) {
  verifiedTokens.forgetAccount(userId)
  sessionAccounts.forgetAccount(userId)
}

/** This process forgets a revoked token at once. */
export function forgetToken(tokenId: number | string) {
  verifiedTokens.forget(tokenId)
}
