import type { Group } from '@japa/runner/core'
import { authCacheConfig } from '#config/auth'

/**
 * Sets how long this process remembers verified credentials (ms; 0 turns
 * the cache off) and answers the function that puts the old value back.
 * .env.test turns the cache off (AUTH_CACHE_TTL=0).
 */
export function setCredentialCacheTtl(ttlMs: number) {
  const before = authCacheConfig.ttlMs
  authCacheConfig.ttlMs = ttlMs
  return () => {
    authCacheConfig.ttlMs = before
  }
}

/** Every test of the group runs with the credential cache at `ttlMs` (0: off). */
export function withCredentialCache(group: Group, ttlMs: number) {
  group.each.setup(() => setCredentialCacheTtl(ttlMs))
}
