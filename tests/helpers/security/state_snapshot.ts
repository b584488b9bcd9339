import { createHash } from 'node:crypto'
import db from '@adonisjs/lucid/services/db'
import { testEngine } from '#tests/helpers/docker'

/**
 * Tables a refused request must leave as they were, with the columns that
 * change by merely being used (a bearer token's last use). Sessions, rate
 * limits and the audit trail are left out: refusals touch them on purpose.
 */
const GUARDED_TABLES: Record<string, string[]> = {
  users: [],
  user_roles: [],
  auth_access_tokens: ['last_used_at', 'updated_at'],
  experiments: [],
  experiment_sessions: [],
  experiment_members: [],
  images: [],
  link_resources: [],
  environments: [],
  environment_events: [],
  environment_access: [],
  environment_shares: [],
  quota_defaults: [],
  user_quotas: [],
}

export type StateSnapshot = { tables: Record<string, string>; containers: string[] }

/** A checksum of every row of each guarded table (seen through the test's transaction). */
async function tableChecksums() {
  const checksums: Record<string, string> = {}
  for (const [table, volatile] of Object.entries(GUARDED_TABLES)) {
    const rows = await db.from(table).orderBy('id', 'asc')
    for (const row of rows) {
      for (const column of volatile) {
        delete row[column]
      }
    }
    const text = JSON.stringify(rows)
    checksums[table] =
      `${rows.length}:${createHash('sha256').update(text).digest('hex').slice(0, 16)}`
  }
  return checksums
}

/** Every container of the test engine, running or not. */
async function engineContainers() {
  const engine = await testEngine()
  const containers = await engine.listContainers({ all: true })
  return containers.map((container) => container.Id).sort()
}

/** What a request could have changed: the guarded tables and the engine's containers. */
export async function snapshotState(): Promise<StateSnapshot> {
  return { tables: await tableChecksums(), containers: await engineContainers() }
}

/** The tables whose checksum differs, and containers that came or went. */
export function stateDifferences(before: StateSnapshot, after: StateSnapshot) {
  const tables = Object.keys(before.tables).filter(
    (table) => before.tables[table] !== after.tables[table]
  )
  const appeared = after.containers.filter((id) => !before.containers.includes(id))
  const vanished = before.containers.filter((id) => !after.containers.includes(id))
  return [
    ...tables.map((table) => `table ${table} changed`),
    ...appeared.map((id) => `container ${id.slice(0, 12)} appeared`),
    ...vanished.map((id) => `container ${id.slice(0, 12)} vanished`),
  ]
}
