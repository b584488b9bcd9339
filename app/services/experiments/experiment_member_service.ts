import { inject } from '@adonisjs/core'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import ExperimentMember from '#models/experiment_member'
import User from '#models/user'
import AuditService from '#services/audit_service'
import type RequestOrigin from '#services/request_origin'
import { guardUnique } from '#services/concurrent_writes'
import {
  lockExperiment,
  type ExperimentKey,
  experimentTransaction,
} from '#services/experiments/experiment_lock'
import type { WriteOutcome } from '#services/experiments/local_experiment_service'
import NotFoundException from '#exceptions/not_found_exception'
import ConflictException from '#exceptions/conflict_exception'

/**
 * A user named by id (API, CSV import) or by a username an authority gave
 * (CSV import: local and User Office accounts, never a federated one).
 */
export type UserKey = { id: number } | { username: string }

/** Providers whose usernames the portal or the User Office assigned, not a user's IdP. */
const AUTHORITATIVE_NAMES = ['local', 'useroffice'] as const

/**
 * Memberships admins make, through the admin API and the CSV import, under
 * the experiment's lock: of local experiments and of User Office ones
 * (such a "local" membership survives syncs).
 */
@inject()
export default class ExperimentMemberService {
  constructor(protected audit: AuditService) {}

  /**
   * Makes a user a member of an experiment — also of a User Office one
   * (e.g. support staff): such a "local" membership survives syncs. Adding
   * an existing member again only sets the role. Returns the membership
   * with its user.
   */
  async add(
    actor: User | null,
    key: ExperimentKey,
    userKey: UserKey,
    role: string,
    origin: RequestOrigin
  ) {
    const result = await guardUnique(() =>
      experimentTransaction(async (trx) => {
        const experiment = await lockExperiment(trx, key)
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
  async remove(actor: User | null, key: ExperimentKey, userKey: UserKey, origin: RequestOrigin) {
    const { experiment, user, member } = await experimentTransaction(async (trx) => {
      const found = await lockExperiment(trx, key)
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
}
