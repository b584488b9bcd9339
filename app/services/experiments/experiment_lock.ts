import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import Experiment from '#models/experiment'
import { concurrentChange, lockedRow, retryingConflicts } from '#services/concurrent_writes'
import { isDeadlock } from '#services/database_errors'
import NotFoundException from '#exceptions/not_found_exception'
import ConflictException from '#exceptions/conflict_exception'

/** An experiment named by its row id (API) or its proposal id (CSV import). */
export type ExperimentKey = { id: number } | { proposalId: string }

/** The query narrowed to the experiment `key` names. */
export function whereExperiment<Query extends ReturnType<typeof Experiment.query>>(
  query: Query,
  key: ExperimentKey
) {
  return 'id' in key ? query.where('id', key.id) : query.where('proposal_id', key.proposalId)
}

/** 404 for the experiment `key` names. */
export function experimentNotFound(key: ExperimentKey) {
  const name = 'id' in key ? `Experiment ${key.id}` : `Experiment "${key.proposalId}"`
  return new NotFoundException(`${name} not found`)
}

/**
 * Runs `write` (the whole of an admin's or an import row's write of one
 * experiment, its sessions or members) in a transaction, again when MySQL
 * rolls it back as a deadlock victim. After the experiment's row, such a
 * write may need a row that a User Office sync already holds while the sync
 * waits for that experiment: its source's count row (the triggers of ADR 10
 * and 12) or a gap of the words table. InnoDB breaks the cycle by rolling
 * the smaller transaction back, nearly always this one, and expects it to
 * run again (ADR 12); `write` reads again what it writes from, and audits
 * only after its commit. Refused every time, it is a 409 to retry, not a 500.
 */
export async function experimentTransaction<Result>(
  write: (trx: TransactionClientContract) => Promise<Result>
) {
  try {
    return await retryingConflicts('experiment write', () => db.transaction(write))
  } catch (error) {
    if (isDeadlock(error)) {
      throw concurrentChange()
    }
    throw error
  }
}

/**
 * The experiment a write of its own, its sessions' or its members' is
 * about, locked for the rest of the transaction: writers of one
 * experiment take turns.
 */
export function lockExperiment(trx: TransactionClientContract, key: ExperimentKey) {
  return lockedRow(whereExperiment(Experiment.query({ client: trx }), key), () =>
    experimentNotFound(key)
  )
}

/** Like `lockExperiment`, refused unless the experiment is locally managed. */
export async function lockLocalExperiment(trx: TransactionClientContract, key: ExperimentKey) {
  const experiment = await lockExperiment(trx, key)
  if (experiment.source !== 'local') {
    throw new ConflictException(
      `Experiment "${experiment.proposalId}" is managed by the User Office and cannot be changed here`
    )
  }
  return experiment
}
