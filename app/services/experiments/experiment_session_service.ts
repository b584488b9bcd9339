import type { DateTime } from 'luxon'
import { inject } from '@adonisjs/core'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { errors as vineErrors } from '@vinejs/vine'
import type Experiment from '#models/experiment'
import ExperimentSession from '#models/experiment_session'
import type User from '#models/user'
import AuditService from '#services/audit_service'
import type RequestOrigin from '#services/request_origin'
import { guardUnique } from '#services/concurrent_writes'
import { checkSessionMounts } from '#services/experiments/session_mounts'
import {
  lockLocalExperiment,
  type ExperimentKey,
  experimentTransaction,
} from '#services/experiments/experiment_lock'
import type { WriteOutcome } from '#services/experiments/local_experiment_service'
import NotFoundException from '#exceptions/not_found_exception'

/** A session as a whole: what is left out is stored as null. */
export type SessionFields = {
  title?: string | null
  description?: string | null
  startsAt?: DateTime | null
  endsAt?: DateTime | null
  /**
   * The User Office's JSON format, `{"/host/path": {"bind": "/2019001", "mode": "ro"}}`:
   * `bind` is a sub-path of the mode's container root (docs/user-office.md).
   */
  dataSetPath?: string | null
}

function sameInstant(a: DateTime | null, b: DateTime | null) {
  return a === null || b === null ? a === b : a.toMillis() === b.toMillis()
}

/**
 * Sessions (beamtimes) of local experiments, written by admins through the
 * admin API and the CSV import, under the experiment's lock; the
 * experiment's start follows its earliest session.
 */
@inject()
export default class ExperimentSessionService {
  constructor(protected audit: AuditService) {}

  /**
   * Creates or replaces a session of a local experiment. The mounts its
   * dataSetPath asks for are checked now and stored: a bad value is kept,
   * with its errors, and makes the session not launchable.
   */
  async upsert(
    actor: User | null,
    key: ExperimentKey,
    sessionNumber: string,
    fields: SessionFields,
    origin: RequestOrigin
  ) {
    const values = {
      title: fields.title ?? null,
      description: fields.description ?? null,
      startsAt: fields.startsAt?.toUTC() ?? null,
      endsAt: fields.endsAt?.toUTC() ?? null,
      dataSetPath: fields.dataSetPath ?? null,
    }
    if (values.startsAt && values.endsAt && values.endsAt < values.startsAt) {
      throw new vineErrors.E_VALIDATION_ERROR([
        {
          field: 'endsAt',
          message: 'The endsAt field must not be before startsAt',
          rule: 'notBefore',
        },
      ])
    }
    // Outside the transaction: it touches the file system, not the database.
    const mounts = await checkSessionMounts(values.dataSetPath)

    const result = await guardUnique(() =>
      experimentTransaction(async (trx) => {
        const experiment = await lockLocalExperiment(trx, key)
        let session = await ExperimentSession.query({ client: trx })
          .where('experiment_id', experiment.id)
          .where('session_number', sessionNumber)
          .first()
        let outcome: WriteOutcome = 'updated'
        if (!session) {
          session = new ExperimentSession().fill({ experimentId: experiment.id, sessionNumber })
          outcome = 'created'
        } else if (
          session.title === values.title &&
          session.description === values.description &&
          sameInstant(session.startsAt, values.startsAt) &&
          sameInstant(session.endsAt, values.endsAt) &&
          session.dataSetPath === values.dataSetPath &&
          JSON.stringify(session.mounts) === JSON.stringify(mounts)
        ) {
          return { experiment, session, outcome: 'unchanged' as WriteOutcome }
        }
        session.merge({ ...values, mounts })
        await session.useTransaction(trx).save()
        await this.refreshStart(trx, experiment)
        return { experiment, session, outcome }
      })
    )

    if (result.outcome !== 'unchanged') {
      await this.audit.record({
        actor,
        action: 'experiment_session.upsert',
        outcome: 'success',
        origin,
        objectType: 'experiment_session',
        objectId: result.session.id,
        details: {
          proposalId: result.experiment.proposalId,
          sessionNumber,
          created: result.outcome === 'created',
          launchable: mounts.launchable,
          mountErrors: mounts.errors.map((error) => error.code),
        },
      })
    }
    return { session: result.session, outcome: result.outcome }
  }

  /** Deletes a session of a local experiment. */
  async delete(
    actor: User | null,
    key: ExperimentKey,
    sessionNumber: string,
    origin: RequestOrigin
  ) {
    const { experiment, session } = await experimentTransaction(async (trx) => {
      const found = await lockLocalExperiment(trx, key)
      const row = await ExperimentSession.query({ client: trx })
        .where('experiment_id', found.id)
        .where('session_number', sessionNumber)
        .first()
      if (!row) {
        throw new NotFoundException(`Session "${sessionNumber}" not found`)
      }
      await row.useTransaction(trx).delete()
      await this.refreshStart(trx, found)
      return { experiment: found, session: row }
    })
    await this.audit.record({
      actor,
      action: 'experiment_session.delete',
      outcome: 'success',
      origin,
      objectType: 'experiment_session',
      objectId: session.id,
      details: { proposalId: experiment.proposalId, sessionNumber },
    })
  }

  /** experiments.starts_at follows the earliest session start (for sorting). */
  protected async refreshStart(trx: TransactionClientContract, experiment: Experiment) {
    const earliest = await ExperimentSession.query({ client: trx })
      .where('experiment_id', experiment.id)
      .whereNotNull('starts_at')
      .orderBy('starts_at', 'asc')
      .first()
    const startsAt = earliest?.startsAt ?? null
    if (!sameInstant(experiment.startsAt, startsAt)) {
      experiment.startsAt = startsAt
      await experiment.useTransaction(trx).save()
    }
  }
}
