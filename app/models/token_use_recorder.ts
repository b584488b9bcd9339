import logger from '@adonisjs/core/services/logger'
import db from '@adonisjs/lucid/services/db'
import type { AccessToken } from '@adonisjs/auth/access_tokens'
import { apiTokensConfig } from '#config/auth'

/** Ids per UPDATE statement (placeholders stay far below every driver's bound). */
const BATCH = 500
/** Tokens whose use waits for a write; beyond this a use is dropped (a safety bound). */
const MAX_PENDING = 100_000

/**
 * Records when personal API tokens were last used without writing on the
 * request path: a request only notes the use in memory, and a timer
 * writes what was noted in one conditional UPDATE per 500 tokens, at most
 * once per API_TOKEN_LAST_USED_RESOLUTION (1 min by default) per token and
 * process. The UPDATE leaves rows another replica wrote within the
 * resolution alone. Uses noted when the process shuts down are written
 * then (`flush`, from the services provider's terminating hook).
 */
export class TokenUseRecorder {
  /** Token id → when it was last used, not yet written. */
  #pending = new Map<string, Date>()
  /** Token id → when this process last wrote its use (forgotten after the resolution). */
  #written = new Map<string, number>()
  #timer: NodeJS.Timeout | null = null
  #flushing: Promise<void> | null = null

  /**
   * Notes a verified token's use (at `at`, epoch ms); a write follows within
   * the resolution when one is due. Most uses are not due: nothing is
   * allocated for them.
   */
  note(token: AccessToken, at = Date.now()) {
    const resolution = apiTokensConfig.lastUsedResolutionMs
    const id = String(token.identifier)
    const stored = token.lastUsedAt?.getTime() ?? Number.NEGATIVE_INFINITY
    const written = this.#written.get(id) ?? Number.NEGATIVE_INFINITY
    if (at - Math.max(stored, written) < resolution) {
      return
    }
    if (this.#pending.size >= MAX_PENDING && !this.#pending.has(id)) {
      return
    }
    this.#pending.set(id, new Date(at))
    this.#schedule(resolution)
  }

  /** Uses noted and not yet written (for tests and metrics). */
  get pending() {
    return this.#pending.size
  }

  /** Writes every noted use now (the timer, shutdown, tests). */
  async flush() {
    // One flush at a time: a second caller waits for the first, then writes what is left.
    while (this.#flushing) {
      await this.#flushing
    }
    if (this.#timer) {
      clearTimeout(this.#timer)
      this.#timer = null
    }
    if (this.#pending.size === 0) {
      return
    }
    this.#flushing = this.#write().finally(() => (this.#flushing = null))
    await this.#flushing
  }

  /** Drops every noted use unwritten (tests: the rows they name were rolled back). */
  discard() {
    this.#pending.clear()
    this.#written.clear()
    if (this.#timer) {
      clearTimeout(this.#timer)
      this.#timer = null
    }
  }

  #schedule(delayMs: number) {
    if (this.#timer) {
      return
    }
    this.#timer = setTimeout(() => {
      this.#timer = null
      void this.flush()
    }, delayMs)
    // A pending write never keeps the process alive (shutdown flushes it).
    this.#timer.unref()
  }

  async #write() {
    const uses = [...this.#pending]
    this.#pending.clear()
    const now = Date.now()
    const resolution = apiTokensConfig.lastUsedResolutionMs
    for (const [id, at] of this.#written) {
      if (now - at >= resolution) {
        this.#written.delete(id)
      }
    }
    const staleBefore = new Date(now - resolution)
    for (let start = 0; start < uses.length; start += BATCH) {
      const batch = uses.slice(start, start + BATCH)
      try {
        await db
          .from('auth_access_tokens')
          .whereIn(
            'id',
            batch.map(([id]) => Number(id))
          )
          .where((query) =>
            query.whereNull('last_used_at').orWhere('last_used_at', '<', staleBefore)
          )
          .update({
            last_used_at: db.raw(
              `CASE id ${batch.map(() => 'WHEN ? THEN ?').join(' ')} END`,
              batch.flatMap(([id, at]) => [Number(id), at])
            ),
          })
        for (const [id, at] of batch) {
          this.#written.set(id, at.getTime())
        }
      } catch (error) {
        // Kept for the next attempt (a newer use noted meanwhile wins).
        for (const [id, at] of batch) {
          if (!this.#pending.has(id)) {
            this.#pending.set(id, at)
          }
        }
        logger.warn({ err: error, tokens: batch.length }, 'could not record API token uses')
        this.#schedule(resolution)
      }
    }
  }
}

const tokenUses = new TokenUseRecorder()

export default tokenUses
