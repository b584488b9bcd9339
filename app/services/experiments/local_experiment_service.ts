import type { DateTime } from 'luxon'
import { inject } from '@adonisjs/core'
import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { errors as vineErrors } from '@vinejs/vine'
import Experiment from '#models/experiment'
import ExperimentSession from '#models/experiment_session'
import ExperimentMember from '#models/experiment_member'
import User from '#models/user'
import AuditService from '#services/audit_service'
import type RequestOrigin from '#services/request_origin'
import { checkSessionMounts, refreshStaleMountChecks } from '#services/experiments/session_mounts'
import NotFoundException from '#exceptions/not_found_exception'
import { isUniqueViolation } from '#services/database_errors'
import ConflictException from '#exceptions/conflict_exception'

/** An experiment named by its row id (API) or its proposal id (CSV import). */
export type ExperimentKey = { id: number } | { proposalId: string }

/**
 * A user named by id (API, CSV import) or by a username an authority gave
 * (CSV import: local and User Office accounts, never a federated one).
 */
export type UserKey = { id: number } | { username: string }

/** Providers whose usernames the portal or the User Office assigned, not a user's IdP. */
const AUTHORITATIVE_NAMES = ['local', 'useroffice'] as const

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

const EDITABLE = ['proposalId', 'title', 'abstract', 'instrument', 'posixUid', 'posixGid'] as const

function sameInstant(a: DateTime | null, b: DateTime | null) {
  return a === null || b === null ? a === b : a.toMillis() === b.toMillis()
}

function describe(key: ExperimentKey) {
  return 'id' in key ? `Experiment ${key.id}` : `Experiment "${key.proposalId}"`
}

function duplicateProposal(proposalId: string) {
  return new ConflictException(`An experiment with proposal id "${proposalId}" already exists`)
}

/**
 * Experiments, sessions and memberships that admins manage themselves
 * (facilities without a User Office, or additions to it), through the
 * admin API and the CSV import commands. Everything written here has
 * source "local"; User Office records are read-only here because the
 * sync owns them.
 */
@inject()
export default class LocalExperimentService {
  constructor(protected audit: AuditService) {}

  /** One experiment with its sessions and members (and their usernames). */
  async find(key: ExperimentKey) {
    const experiment = await this.keyed(Experiment.query(), key)
      .preload('sessions', (query) => query.orderBy('starts_at', 'asc').orderBy('id', 'asc'))
      .preload('members', (query) => query.preload('user').orderBy('id', 'asc'))
      .first()
    if (!experiment) {
      throw new NotFoundException(`${describe(key)} not found`)
    }
    await refreshStaleMountChecks(experiment.sessions)
    return experiment
  }

  /** Creates a local experiment; a taken proposal id is a conflict. */
  async create(actor: User | null, fields: ExperimentFields, origin: RequestOrigin) {
    const experiment = await this.guardUnique(fields.proposalId, () =>
      db.transaction(async (trx) => {
        const taken = await Experiment.query({ client: trx })
          .where('proposal_id', fields.proposalId)
          .first()
        if (taken) {
          throw duplicateProposal(fields.proposalId)
        }
        return Experiment.create({ ...this.normalise(fields), source: 'local' }, { client: trx })
      })
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
    const { experiment, changed } = await this.guardUnique(changes.proposalId, () =>
      db.transaction(async (trx) => {
        const found = await this.lockLocal(trx, key)
        return { experiment: found, changed: await this.apply(trx, found, changes) }
      })
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
    const { experiment, changed } = await db.transaction(async (trx) => {
      const found = await this.lockLocal(trx, { id: existing.id })
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
    const experiment = await db.transaction(async (trx) => {
      const found = await this.lockLocal(trx, key)
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

  /**
   * Creates or replaces a session of a local experiment. The mounts its
   * dataSetPath asks for are checked now and stored: a bad value is kept,
   * with its errors, and makes the session not launchable.
   */
  async upsertSession(
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

    const result = await this.guardUnique(null, () =>
      db.transaction(async (trx) => {
        const experiment = await this.lockLocal(trx, key)
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
  async deleteSession(
    actor: User | null,
    key: ExperimentKey,
    sessionNumber: string,
    origin: RequestOrigin
  ) {
    const { experiment, session } = await db.transaction(async (trx) => {
      const found = await this.lockLocal(trx, key)
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

  /**
   * Makes a user a member of an experiment — also of a User Office one
   * (e.g. support staff): such a "local" membership survives syncs. Adding
   * an existing member again only sets the role. Returns the membership
   * with its user.
   */
  async addMember(
    actor: User | null,
    key: ExperimentKey,
    userKey: UserKey,
    role: string,
    origin: RequestOrigin
  ) {
    const result = await this.guardUnique(null, () =>
      db.transaction(async (trx) => {
        const experiment = await this.lock(trx, key)
        const user = await this.findUser(trx, userKey)
        let member = await ExperimentMember.query({ client: trx })
          .where('experiment_id', experiment.id)
          .where('user_id', user.id)
          .first()
        let outcome: WriteOutcome = 'updated'
        if (!member) {
          member = new ExperimentMember().fill({
            experimentId: experiment.id,
            userId: user.id,
            favorite: false,
            source: 'local',
          })
          outcome = 'created'
        } else if (member.role === role) {
          outcome = 'unchanged'
        }
        if (outcome !== 'unchanged') {
          member.role = role
          await member.useTransaction(trx).save()
        }
        member.$setRelated('user', user)
        return { experiment, user, member, outcome }
      })
    )

    if (result.outcome !== 'unchanged') {
      await this.audit.record({
        actor,
        action: 'experiment_member.add',
        outcome: 'success',
        origin,
        objectType: 'experiment_member',
        objectId: result.member.id,
        details: {
          proposalId: result.experiment.proposalId,
          userId: result.user.id,
          username: result.user.username,
          role,
          created: result.outcome === 'created',
        },
      })
    }
    return { member: result.member, outcome: result.outcome }
  }

  /**
   * Removes a membership an admin made; the User Office's own ones would
   * come back at the next sync, so they are refused. Not being a member is
   * "not found".
   */
  async removeMember(
    actor: User | null,
    key: ExperimentKey,
    userKey: UserKey,
    origin: RequestOrigin
  ) {
    const { experiment, user, member } = await db.transaction(async (trx) => {
      const found = await this.lock(trx, key)
      const account = await this.findUser(trx, userKey)
      const row = await ExperimentMember.query({ client: trx })
        .where('experiment_id', found.id)
        .where('user_id', account.id)
        .first()
      if (!row) {
        throw new NotFoundException(`User "${account.username}" is not a member`)
      }
      if (row.source !== 'local') {
        throw new ConflictException(
          `This membership of "${found.proposalId}" is managed by the User Office and cannot be removed here`
        )
      }
      await row.useTransaction(trx).delete()
      return { experiment: found, user: account, member: row }
    })
    await this.audit.record({
      actor,
      action: 'experiment_member.remove',
      outcome: 'success',
      origin,
      objectType: 'experiment_member',
      objectId: member.id,
      details: { proposalId: experiment.proposalId, userId: user.id, username: user.username },
    })
  }

  protected keyed<Query extends ReturnType<typeof Experiment.query>>(
    query: Query,
    key: ExperimentKey
  ) {
    return 'id' in key ? query.where('id', key.id) : query.where('proposal_id', key.proposalId)
  }

  /**
   * The experiment, locked for the rest of the transaction (MySQL; SQLite
   * serialises writers anyway).
   */
  protected async lock(trx: TransactionClientContract, key: ExperimentKey) {
    const query = this.keyed(Experiment.query({ client: trx }), key)
    if (!trx.dialect.name.includes('sqlite')) {
      query.forUpdate()
    }
    const experiment = await query.first()
    if (!experiment) {
      throw new NotFoundException(`${describe(key)} not found`)
    }
    return experiment
  }

  /** Like `lock`, refused unless the experiment is locally managed. */
  protected async lockLocal(trx: TransactionClientContract, key: ExperimentKey) {
    const experiment = await this.lock(trx, key)
    if (experiment.source !== 'local') {
      throw new ConflictException(
        `Experiment "${experiment.proposalId}" is managed by the User Office and cannot be changed here`
      )
    }
    return experiment
  }

  protected async findUser(trx: TransactionClientContract, key: UserKey) {
    if ('id' in key) {
      const user = await User.query({ client: trx }).where('id', key.id).first()
      if (!user) {
        throw new NotFoundException(`User ${key.id} not found`)
      }
      return user
    }
    const holder = await User.query({ client: trx }).where('username', key.username).first()
    if (!holder) {
      throw new NotFoundException(`User "${key.username}" not found`)
    }
    if (!AUTHORITATIVE_NAMES.includes(holder.provider as (typeof AUTHORITATIVE_NAMES)[number])) {
      // An IdP chose this name: it says nothing about who the file means.
      throw new NotFoundException(
        `User "${key.username}" not found among local and User Office accounts (a federated account has that name: name it by user_id)`
      )
    }
    return holder
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

  /**
   * Two writers racing past the existence check meet the unique index;
   * the loser gets the same 409 as if it had checked later.
   */
  protected async guardUnique<Result>(
    proposalId: string | null | undefined,
    write: () => Promise<Result>
  ): Promise<Result> {
    try {
      return await write()
    } catch (error) {
      if (!isUniqueViolation(error)) {
        throw error
      }
      throw proposalId
        ? duplicateProposal(proposalId)
        : new ConflictException('A concurrent change got there first; please retry')
    }
  }
}
