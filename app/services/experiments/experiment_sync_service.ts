import { DateTime } from 'luxon'
import { inject } from '@adonisjs/core'
import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type User from '#models/user'
import { forgetAccount } from '#models/verified_credentials'
import UserOfficeClient, {
  type ExperimentRequestOptions,
} from '#services/user_office/user_office_client'
import type {
  UserOfficeExperiment,
  UserOfficeSession,
} from '#services/user_office/user_office_experiment'
import { checkSessionMounts } from '#services/experiments/session_mounts'
import { concurrentChange, retryingConflicts } from '#services/concurrent_writes'
import { isDeadlock, isUniqueViolation } from '#services/database_errors'
import type { MountCheck } from '#domain/dataset_mounts'

/** Rows per query when reading or writing in bulk. */
const CHUNK = 500

type SessionRow = {
  session_number: string
  title: string | null
  description: string | null
  starts_at: Date | null
  ends_at: Date | null
  data_set_path: string | null
  mounts: string
}

type ExperimentRow = {
  proposal_id: string
  title: string
  abstract: string | null
  instrument: string | null
  posix_uid: number | null
  posix_gid: number | null
  starts_at: Date | null
  sessions: SessionRow[]
}

const COMPARED_EXPERIMENT_COLUMNS = [
  'title',
  'abstract',
  'instrument',
  'posix_uid',
  'posix_gid',
  'starts_at',
] as const

const COMPARED_SESSION_COLUMNS = [
  'session_number',
  'title',
  'description',
  'starts_at',
  'ends_at',
  'data_set_path',
  'mounts',
] as const

/** Column values as the database returns them and as a sync row holds them. */
function comparable(value: unknown) {
  if (value instanceof Date) {
    return value.getTime()
  }
  return value ?? null
}

function sameValues(
  stored: Record<string, unknown> | undefined,
  row: object,
  columns: readonly string[]
) {
  return (
    stored !== undefined &&
    columns.every(
      (column) =>
        comparable(stored[column]) === comparable((row as Record<string, unknown>)[column])
    )
  )
}

/** The experiments-table columns of a row (without its sessions). */
function experimentColumns(row: ExperimentRow) {
  const { sessions, ...columns } = row
  return columns
}

function chunks<T>(items: T[], size = CHUNK): T[][] {
  const result: T[][] = []
  for (let index = 0; index < items.length; index += size) {
    result.push(items.slice(index, index + size))
  }
  return result
}

function utc(value: string | null | undefined): Date | null {
  if (!value) {
    return null
  }
  const parsed = DateTime.fromISO(value, { zone: 'utc' })
  return parsed.isValid ? parsed.toJSDate() : null
}

/** A POSIX id the portal may run as: never root, never out of range. */
function posixId(value: unknown): number | null {
  const number = typeof value === 'number' ? value : Number.parseInt(String(value ?? ''), 10)
  return Number.isInteger(number) && number > 0 && number <= 2_147_483_647 ? number : null
}

async function toSessionRow(session: UserOfficeSession): Promise<SessionRow> {
  const mounts: MountCheck = await checkSessionMounts(session.data_set_path ?? null)
  return {
    session_number: String(session.session_number ?? session.sesion_number ?? '').slice(0, 64),
    title: session.subject?.slice(0, 500) ?? null,
    description: session.body ?? null,
    starts_at: utc(session.start_date),
    ends_at: utc(session.end_date),
    data_set_path: session.data_set_path ?? null,
    mounts: JSON.stringify(mounts),
  }
}

async function toExperimentRow(experiment: UserOfficeExperiment): Promise<ExperimentRow> {
  const sessions: SessionRow[] = []
  for (const session of experiment.sessions ?? []) {
    sessions.push(await toSessionRow(session))
  }
  const starts = sessions.map((session) => session.starts_at?.getTime() ?? Infinity)
  const earliest = Math.min(...starts)
  return {
    proposal_id: String(experiment.proposal_id),
    title: (experiment.subject ?? String(experiment.proposal_id)).slice(0, 500),
    abstract: experiment.body ?? null,
    instrument: experiment.beam_line ?? null,
    posix_uid: posixId(experiment.uid),
    posix_gid: posixId(experiment.gid),
    starts_at: Number.isFinite(earliest) ? new Date(earliest) : null,
    sessions: sessions.filter((session) => session.session_number !== ''),
  }
}

export type SyncResult = { syncedAt: DateTime; experiments: number }

/**
 * An experiment the sync's transaction read was gone when it came to
 * write it: an admin deleted the local experiment the sync was taking over
 * (its sessions and members would refer to nothing). Run again, the sync
 * inserts the proposal afresh.
 */
class ExperimentDeletedMeanwhile extends Error {
  code = 'E_EXPERIMENT_DELETED_MEANWHILE'
}

/**
 * Mirrors a user's experiments from the User Office (contract endpoint 4):
 * reads every page first, then in one transaction upserts experiments by
 * proposal id and sessions by (proposal, session number), and replaces the
 * user's User Office memberships (revoked ones disappear; favourites of
 * the ones that stay are kept). Any failure before the transaction commits
 * leaves what the portal knew untouched.
 */
@inject()
export default class ExperimentSyncService {
  constructor(protected userOffice: UserOfficeClient) {}

  /** Whether this user's experiments come from the User Office. */
  syncable(user: User) {
    return this.userOffice.enabled && user.provider === 'useroffice'
  }

  /**
   * Syncs the user's memberships when the last sync is older than
   * `maxAgeMs` (a launch must not rest on rights the User Office has since
   * withdrawn). Throws UserOfficeUnavailableException (503) when it cannot:
   * nothing is launched on stale rights. Local accounts are left alone.
   */
  async ensureFresh(user: User, maxAgeMs: number) {
    if (!this.syncable(user)) {
      return
    }
    const syncedAt = user.experimentsSyncedAt
    if (syncedAt && Date.now() - syncedAt.toMillis() < maxAgeMs) {
      return
    }
    await this.sync(user)
  }

  /**
   * Syncs now. Throws UserOfficeUnavailableException (503) when the User
   * Office cannot give a complete, well-formed answer. `requests` paces
   * the calls (the background sync's budget).
   */
  async sync(user: User, requests: ExperimentRequestOptions = {}): Promise<SyncResult> {
    const byProposal = new Map<string, ExperimentRow>()
    for await (const page of this.userOffice.experimentPages(user.username, requests)) {
      for (const experiment of page) {
        const row = await toExperimentRow(experiment)
        byProposal.set(row.proposal_id, row)
      }
    }
    const rows = [...byProposal.values()]
    const syncedAt = DateTime.utc()

    // Members of one proposal syncing at once (sign-ins, the background sync, other replicas)
    // write the same experiments and their source's count row (ADR 10, 12): the database may
    // refuse one of them, for a deadlock or a twin insert of a new proposal. Run again, it finds
    // the other's rows stored; so does a sync whose experiment an admin deleted meanwhile.
    await retryingConflicts(
      'experiment sync',
      () =>
        db.transaction(async (trx) => {
          const ids = await this.#upsertExperiments(rows, syncedAt.toJSDate(), trx)
          await this.#upsertSessions(rows, ids, trx)
          await this.#replaceMemberships(user, [...ids.values()], trx)
          await this.#recordSynced(user, syncedAt, trx)
        }),
      (error) =>
        isDeadlock(error) || isUniqueViolation(error) || error instanceof ExperimentDeletedMeanwhile
    )
    user.experimentsSyncedAt = syncedAt
    // The next request must see the new sync time, not a remembered row of the user.
    forgetAccount(user.id)
    return { syncedAt, experiments: rows.length }
  }

  /**
   * The sync's time, written only while the account still has the name the User Office was
   * asked about: an erasure that committed meanwhile (a pseudonym, its memberships deleted)
   * must not get them back. The memberships just written wait on the erasure's lock of the
   * account's row (their foreign key), so the erasure either commits first and this finds
   * the name gone (everything rolls back: 409), or runs after and deletes them.
   */
  async #recordSynced(user: User, syncedAt: DateTime, trx: TransactionClientContract) {
    const updated = await trx
      .from('users')
      .where('id', user.id)
      .where('username', user.username)
      .update({ experiments_synced_at: syncedAt.toJSDate() })
    if (Number(updated) === 0) {
      throw concurrentChange()
    }
  }

  async #upsertExperiments(rows: ExperimentRow[], now: Date, trx: TransactionClientContract) {
    const ids = new Map<string, number>()
    for (const chunk of chunks(rows)) {
      const existing = await trx
        .from('experiments')
        .whereIn(
          'proposal_id',
          chunk.map((row) => row.proposal_id)
        )
        .select('id', 'proposal_id', 'source', ...COMPARED_EXPERIMENT_COLUMNS)
      const known = new Map(existing.map((row) => [row.proposal_id as string, Number(row.id)]))
      const stored = new Map(existing.map((row) => [row.proposal_id as string, row]))

      const fresh = chunk.filter((row) => !known.has(row.proposal_id))
      if (fresh.length > 0) {
        await trx.table('experiments').multiInsert(
          fresh.map((row) => ({
            ...experimentColumns(row),
            source: 'useroffice',
            last_synced_at: now,
            created_at: now,
            updated_at: now,
          }))
        )
        const inserted = await trx
          .from('experiments')
          .whereIn(
            'proposal_id',
            fresh.map((row) => row.proposal_id)
          )
          .select('id', 'proposal_id')
        for (const row of inserted) {
          known.set(row.proposal_id, Number(row.id))
        }
      }
      // Re-syncs mostly find nothing changed: write only what differs.
      for (const row of chunk.filter((entry) => !fresh.includes(entry))) {
        const before = stored.get(row.proposal_id)!
        if (
          before.source === 'useroffice' &&
          sameValues(before, row, COMPARED_EXPERIMENT_COLUMNS)
        ) {
          continue
        }
        await trx
          .from('experiments')
          .where('id', known.get(row.proposal_id)!)
          .update({ ...experimentColumns(row), source: 'useroffice', updated_at: now })
      }
      // Locks every row the sync writes under; a row deleted since it was read is not found.
      const found = await trx
        .from('experiments')
        .whereIn('id', [...known.values()])
        .update({ last_synced_at: now })
      if (Number(found) !== known.size) {
        throw new ExperimentDeletedMeanwhile(
          `${known.size - Number(found)} experiment(s) deleted meanwhile`
        )
      }
      for (const [proposal, id] of known) {
        ids.set(proposal, id)
      }
    }
    return ids
  }

  async #upsertSessions(
    rows: ExperimentRow[],
    ids: Map<string, number>,
    trx: TransactionClientContract
  ) {
    const now = new Date()
    for (const chunk of chunks(rows, 200)) {
      const experimentIds = chunk.map((row) => ids.get(row.proposal_id)!)
      const existing = await trx
        .from('experiment_sessions')
        .whereIn('experiment_id', experimentIds)
        .select('id', 'experiment_id', 'session_number', ...COMPARED_SESSION_COLUMNS)
      const stored = new Map(existing.map((row) => [Number(row.id), row]))
      const known = new Map(
        existing.map((row) => [`${row.experiment_id}/${row.session_number}`, Number(row.id)])
      )
      const keep = new Set<number>()
      const inserts: Record<string, unknown>[] = []

      for (const row of chunk) {
        const experimentId = ids.get(row.proposal_id)!
        for (const session of row.sessions) {
          const id = known.get(`${experimentId}/${session.session_number}`)
          if (id === undefined) {
            inserts.push({
              ...session,
              experiment_id: experimentId,
              created_at: now,
              updated_at: now,
            })
          } else {
            keep.add(id)
            if (!sameValues(stored.get(id), session, COMPARED_SESSION_COLUMNS)) {
              await trx
                .from('experiment_sessions')
                .where('id', id)
                .update({ ...session, updated_at: now })
            }
          }
        }
      }
      for (const batch of chunks(inserts)) {
        await trx.table('experiment_sessions').multiInsert(batch)
      }
      // Sessions the User Office no longer lists for these experiments are gone.
      const stale = existing.map((row) => Number(row.id)).filter((id) => !keep.has(id))
      for (const batch of chunks(stale)) {
        await trx.from('experiment_sessions').whereIn('id', batch).delete()
      }
    }
  }

  async #replaceMemberships(user: User, experimentIds: number[], trx: TransactionClientContract) {
    const current = await trx
      .from('experiment_members')
      .where('user_id', user.id)
      .select('id', 'experiment_id', 'source')
    const listed = new Set(experimentIds)
    const revoked = current
      .filter((row) => row.source === 'useroffice' && !listed.has(Number(row.experiment_id)))
      .map((row) => Number(row.id))
    for (const batch of chunks(revoked)) {
      await trx.from('experiment_members').whereIn('id', batch).delete()
    }
    const member = new Set(current.map((row) => Number(row.experiment_id)))
    const now = new Date()
    const additions = experimentIds
      .filter((id) => !member.has(id))
      .map((id) => ({
        experiment_id: id,
        user_id: user.id,
        role: 'member',
        favorite: false,
        source: 'useroffice',
        created_at: now,
        updated_at: now,
      }))
    for (const batch of chunks(additions)) {
      await trx.table('experiment_members').multiInsert(batch)
    }
  }
}
