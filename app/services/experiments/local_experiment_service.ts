import { inject } from '@adonisjs/core'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import Experiment from '#models/experiment'
import ExperimentSession from '#models/experiment_session'
import ExperimentMember from '#models/experiment_member'
import type User from '#models/user'
import AuditService from '#services/audit_service'
import type RequestOrigin from '#services/request_origin'
import { guardUnique } from '#services/concurrent_writes'
import { refreshStaleMountChecks } from '#services/experiments/session_mounts'
import {
  experimentNotFound,
  lockLocalExperiment,
  whereExperiment,
  type ExperimentKey,
  experimentTransaction,
} from '#services/experiments/experiment_lock'
import ConflictException from '#exceptions/conflict_exception'

export type { ExperimentKey } from '#services/experiments/experiment_lock'

/** What a write did; "unchanged" writes nothing and audits nothing. */
export type WriteOutcome = 'created' | 'updated' | 'unchanged'

export type ExperimentFields = {
  proposalId: string
  title: string
  abstract?: string | null
  instrument?: string | null
  posixUid?: number | null
  posixGid?: number | null
}

const EDITABLE = ['proposalId', 'title', 'abstract', 'instrument', 'posixUid', 'posixGid'] as const

function duplicateProposal(proposalId: string) {
  return new ConflictException(`An experiment with proposal id "${proposalId}" already exists`)
}

/**
 * Experiments that admins manage themselves (facilities without a User
 * Office, or additions to it), through the admin API and the CSV import
 * commands; their sessions and members have services of their own
 * (ExperimentSessionService, ExperimentMemberService). Everything written
 * here has source "local"; User Office records are read-only here because
 * the sync owns them.
 */
@inject()
export default class LocalExperimentService {
  constructor(protected audit: AuditService) {}

  /** One experiment with its sessions and members (and their usernames). */
  async find(key: ExperimentKey) {
    const experiment = await whereExperiment(Experiment.query(), key)
      .preload('sessions', (query) => query.orderBy('starts_at', 'asc').orderBy('id', 'asc'))
      .preload('members', (query) => query.preload('user').orderBy('id', 'asc'))
      .first()
    if (!experiment) {
      throw experimentNotFound(key)
    }
    await refreshStaleMountChecks(experiment.sessions)
    return experiment
  }

  /** Creates a local experiment; a taken proposal id is a conflict. */
  async create(actor: User | null, fields: ExperimentFields, origin: RequestOrigin) {
    const experiment = await guardUnique(
      () =>
        experimentTransaction(async (trx) => {
          const taken = await Experiment.query({ client: trx })
            .where('proposal_id', fields.proposalId)
            .first()
          if (taken) {
            throw duplicateProposal(fields.proposalId)
          }
          return Experiment.create({ ...this.normalise(fields), source: 'local' }, { client: trx })
        }),
      () => duplicateProposal(fields.proposalId)
    )
    await this.audit.record({
      actor,
      action: 'experiment.create',
      outcome: 'success',
      origin,
      objectType: 'experiment',
      objectId: experiment.id,
      details: { proposalId: experiment.proposalId, title: experiment.title },
    })
    return this.find({ id: experiment.id })
  }

  /**
   * Changes the given fields of a local experiment (undefined = keep).
   * Returns the experiment with sessions and members.
   */
  async update(
    actor: User | null,
    key: ExperimentKey,
    changes: Partial<ExperimentFields>,
    origin: RequestOrigin
  ) {
    const proposalTaken = changes.proposalId
      ? () => duplicateProposal(changes.proposalId!)
      : undefined
    const { experiment, changed } = await guardUnique(
      () =>
        experimentTransaction(async (trx) => {
          const found = await lockLocalExperiment(trx, key)
          return { experiment: found, changed: await this.apply(trx, found, changes) }
        }),
      proposalTaken
    )
    if (changed.length > 0) {
      await this.auditUpdate(actor, experiment, changed, origin)
    }
    return this.find({ id: experiment.id })
  }

  /**
   * Creates or replaces a local experiment by proposal id (the CSV
   * import): fields left out become null.
   */
  async upsert(
    actor: User | null,
    fields: ExperimentFields,
    origin: RequestOrigin
  ): Promise<WriteOutcome> {
    const existing = await Experiment.findBy('proposal_id', fields.proposalId)
    if (!existing) {
      await this.create(actor, fields, origin)
      return 'created'
    }
    const { experiment, changed } = await experimentTransaction(async (trx) => {
      const found = await lockLocalExperiment(trx, { id: existing.id })
      return { experiment: found, changed: await this.apply(trx, found, this.normalise(fields)) }
    })
    if (changed.length === 0) {
      return 'unchanged'
    }
    await this.auditUpdate(actor, experiment, changed, origin)
    return 'updated'
  }

  /** Deletes a local experiment with its sessions and memberships. */
  async delete(actor: User | null, key: ExperimentKey, origin: RequestOrigin) {
    const experiment = await experimentTransaction(async (trx) => {
      const found = await lockLocalExperiment(trx, key)
      // Explicit rather than relying on ON DELETE CASCADE being enforced (SQLite needs a pragma).
      await ExperimentMember.query({ client: trx }).where('experiment_id', found.id).delete()
      await ExperimentSession.query({ client: trx }).where('experiment_id', found.id).delete()
      await found.useTransaction(trx).delete()
      return found
    })
    await this.audit.record({
      actor,
      action: 'experiment.delete',
      outcome: 'success',
      origin,
      objectType: 'experiment',
      objectId: experiment.id,
      details: { proposalId: experiment.proposalId },
    })
  }

  /** Writes the changed fields; returns their names (empty when nothing changed). */
  protected async apply(
    trx: TransactionClientContract,
    experiment: Experiment,
    changes: Partial<ExperimentFields>
  ) {
    const changed = EDITABLE.filter(
      (field) => changes[field] !== undefined && changes[field] !== experiment[field]
    )
    if (changed.length === 0) {
      return []
    }
    if (changed.includes('proposalId')) {
      const taken = await Experiment.query({ client: trx })
        .where('proposal_id', changes.proposalId!)
        .whereNot('id', experiment.id)
        .first()
      if (taken) {
        throw duplicateProposal(changes.proposalId!)
      }
    }
    for (const field of changed) {
      experiment.$setAttribute(field, changes[field])
    }
    await experiment.useTransaction(trx).save()
    return changed
  }

  /** Every optional field spelled out, so that a full replace clears what is absent. */
  protected normalise(fields: ExperimentFields) {
    return {
      proposalId: fields.proposalId,
      title: fields.title,
      abstract: fields.abstract ?? null,
      instrument: fields.instrument ?? null,
      posixUid: fields.posixUid ?? null,
      posixGid: fields.posixGid ?? null,
    }
  }

  protected async auditUpdate(
    actor: User | null,
    experiment: Experiment,
    changed: string[],
    origin: RequestOrigin
  ) {
    await this.audit.record({
      actor,
      action: 'experiment.update',
      outcome: 'success',
      origin,
      objectType: 'experiment',
      objectId: experiment.id,
      details: { proposalId: experiment.proposalId, changed },
    })
  }
}
