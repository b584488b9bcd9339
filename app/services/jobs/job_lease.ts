import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { performance } from 'node:perf_hooks'
import db from '@adonisjs/lucid/services/db'
import { isUniqueViolation } from '#services/database_errors'

/**
 * This process's name in leases: its host (the pod in Kubernetes), pid and
 * a random part (pids repeat across containers and restarts).
 */
const HOLDER = `${hostname().slice(0, 80)}:${process.pid}:${randomUUID().slice(0, 8)}`

/**
 * A lease in the shared database that at most one portal process holds at
 * a time: background jobs run only in the holder. Taking and renewing are
 * one guarded UPDATE (or the INSERT of the first row, which the primary
 * key lets only one process win). Expiry is reckoned on the database's
 * clock, so hosts whose clocks differ cannot both hold it. A holder that
 * dies stops renewing, and another process takes over once the lease has
 * expired; one that shuts down releases it so another takes over at once.
 */
export default class JobLease {
  /** Until when (this process's monotonic clock) the lease is surely still ours. */
  #heldUntil = 0

  constructor(
    readonly name: string,
    readonly ttlMs: number
  ) {}

  static get holder() {
    return HOLDER
  }

  /**
   * Whether this process holds the lease now. It stops being true when
   * the lease could have expired without a renewal (the database is
   * unreachable, the process stalled), before another process may take it.
   */
  get isLeader() {
    return performance.now() < this.#heldUntil
  }

  /** Takes or renews the lease; true when this process holds it now. */
  async acquire(): Promise<boolean> {
    // Counted from before the database sets the expiry, so ours is never the later one.
    const askedAt = performance.now()
    const { now, expiresAt } = this.#clock()
    const renewed = await db
      .from('job_leases')
      .where('name', this.name)
      .where((query) => query.where('holder', HOLDER).orWhere('expires_at', '<', now))
      .update({ holder: HOLDER, expires_at: expiresAt })
    let held = Number(renewed) === 1
    if (!held) {
      try {
        await db
          .table('job_leases')
          .insert({ name: this.name, holder: HOLDER, expires_at: expiresAt })
        held = true
      } catch (error) {
        // Someone else holds it (the row exists and has not expired).
        if (!isUniqueViolation(error)) {
          throw error
        }
      }
    }
    this.#heldUntil = held ? askedAt + this.ttlMs : 0
    return held
  }

  /** Gives the lease up (graceful shutdown), so another process takes over at once. */
  async release() {
    this.#heldUntil = 0
    await db.from('job_leases').where('name', this.name).where('holder', HOLDER).delete()
  }

  /**
   * "Now" and the expiry of a lease taken now: the MySQL/MariaDB server's
   * UTC clock, shared by every process; this host's clock for SQLite,
   * which only processes of one machine share.
   */
  #clock() {
    if (db.connection().dialect.name === 'mysql') {
      return {
        now: db.knexRawQuery('UTC_TIMESTAMP(3)'),
        expiresAt: db.knexRawQuery('UTC_TIMESTAMP(3) + INTERVAL ? MICROSECOND', [
          Math.round(this.ttlMs * 1000),
        ]),
      }
    }
    const now = new Date()
    return { now, expiresAt: new Date(now.getTime() + this.ttlMs) }
  }
}
