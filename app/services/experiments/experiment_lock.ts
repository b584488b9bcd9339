import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import Experiment from '#models/experiment'
import { lockedRow } from '#services/concurrent_writes'
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
