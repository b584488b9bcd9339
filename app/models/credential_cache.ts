type Entry<Value> = { value: Value; userId: string | null; storedAt: number }

/**
 * A short-lived, bounded, in-process memory of what a credential check
 * read from the database, so that a burst of requests with the same
 * credential costs one read per TTL instead of one each.
 *
 * Entries expire after AUTH_CACHE_TTL (1 s by default; 0 turns the
 * cache off). Whatever changes an account in this process forgets it at
 * once (`forgetAccount`, `forgetToken`): other processes see the change
 * when their entry expires. A read that began before a change must not
 * store what it read after the change was forgotten, so every change
 * moves `generation` on and `store` refuses entries of an older one.
 */
export class CredentialCache<Value> {
  #entries = new Map<string, Entry<Value>>()
  #generation = 0

  constructor(
    readonly ttlMs: () => number,
    readonly maxEntries: () => number
  ) {}

  get enabled() {
    return this.ttlMs() > 0
  }

  /** Taken before a database read; hand it to `store` with what was read. */
  get generation() {
    return this.#generation
  }

  get size() {
    return this.#entries.size
  }

  /** The value stored under `key` within the TTL, or undefined. */
  get(key: string | number): Value | undefined {
    const entry = this.#entries.get(String(key))
    if (!entry) {
      return undefined
    }
    if (Date.now() - entry.storedAt >= this.ttlMs()) {
      this.#entries.delete(String(key))
      return undefined
    }
    return entry.value
  }

  /**
   * Keeps `value` unless the cache is off or an account changed since
   * `generation`. `userId` is the account whose change forgets it (none: only
   * `forget` and expiry do).
   */
  store(key: string | number, userId: string | number | null, value: Value, generation: number) {
    if (!this.enabled || generation !== this.#generation) {
      return
    }
    if (this.#entries.size >= this.maxEntries()) {
      this.#evictExpiredOrOldest()
    }
    // Deleted first so that the Map's order stays the order of storing.
    this.#entries.delete(String(key))
    this.#entries.set(String(key), {
      value,
      userId: userId === null ? null : String(userId),
      storedAt: Date.now(),
    })
  }

  /** Forgets every entry of the account (token owner, session user, its sessions). */
  forgetAccount(userId: string | number) {
    this.#generation++
    const id = String(userId)
    for (const [key, entry] of this.#entries) {
      if (entry.userId === id) {
        this.#entries.delete(key)
      }
    }
  }

  /** Forgets one entry by key (a revoked token, a session written or destroyed). */
  forget(key: string | number) {
    this.#generation++
    this.#entries.delete(String(key))
  }

  clear() {
    this.#generation++
    this.#entries.clear()
  }

  /** Expired entries go; when none has, the oldest one (Maps keep insertion order). */
  #evictExpiredOrOldest() {
    const expiredBefore = Date.now() - this.ttlMs()
    for (const [key, entry] of this.#entries) {
      if (entry.storedAt <= expiredBefore) {
        this.#entries.delete(key)
      }
    }
    if (this.#entries.size >= this.maxEntries()) {
      const oldest = this.#entries.keys().next().value
      if (oldest !== undefined) {
        this.#entries.delete(oldest)
      }
    }
  }
}
