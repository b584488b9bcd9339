import { randomUUID } from 'node:crypto'
import db from '@adonisjs/lucid/services/db'

/** This process's name in leases. */
const HOLDER = `${process.pid}-${randomUUID()}`

/**
 * A lease in the shared database that at most one portal process holds at
 * a time: background jobs run only in the holder. A holder that dies stops
 * renewing, and another process takes over when the lease expires.
 */
export default class JobLease {
  constructor(
    readonly name: string,
    readonly ttlMs: number
  ) {}

  static get holder() {
    return HOLDER
  }

  /** Takes or renews the lease; true when this process holds it now. */
  async acquire(): Promise<boolean> {
    const now = new Date()
    const expiresAt = new Date(now.getTime() + this.ttlMs)
    const renewed = await db
      .from('job_leases')
      .where('name', this.name)
      .where((query) => query.where('holder', HOLDER).orWhere('expires_at', '<', now))
      .update({ holder: HOLDER, expires_at: expiresAt })
    if (Number(renewed) === 1) {
      return true
    }
    try {
      await db
        .table('job_leases')
        .insert({ name: this.name, holder: HOLDER, expires_at: expiresAt })
      return true
    } catch {
      // Someone else holds it (the row exists and has not expired).
      return false
    }
  }

  /** Gives the lease up (graceful shutdown), so another process takes over at once. */
  async release() {
    await db.from('job_leases').where('name', this.name).where('holder', HOLDER).delete()
  }
}
