import { inject } from '@adonisjs/core'
import logger from '@adonisjs/core/services/logger'
import type Environment from '#models/environment'
import { toSqlTimestamp } from '#models/millisecond_timestamp'
import EnvironmentShare from '#models/environment_share'
import ExperimentMember from '#models/experiment_member'
import type User from '#models/user'
import AuditService from '#services/audit_service'
import RequestOrigin from '#services/request_origin'
import AccessBrokers from '#services/access/access_brokers'
import ExperimentSyncService from '#services/experiments/experiment_sync_service'
import experimentsConfig from '#config/experiments'

/**
 * A share holds only while its colleague belongs to the environment's
 * experiment. Checked whenever they reach the environment: against the
 * stored memberships when they look at it, and against memberships no
 * older than LAUNCH_MEMBERSHIP_MAX_AGE_MINUTES (the User Office re-asked,
 * as at launch) when they open it. A share found lapsed is withdrawn on
 * the spot, with its Guacamole records, and audited.
 */
@inject()
export default class ShareMembership {
  constructor(
    protected brokers: AccessBrokers,
    protected audit: AuditService,
    protected memberships: ExperimentSyncService
  ) {}

  /** Whether the share still holds, from the stored memberships; withdraws it when not. */
  async holds(share: EnvironmentShare, environment: Environment, colleague: User) {
    if (await isMember(colleague.id, environment.experimentId)) {
      return true
    }
    await this.#withdraw(share, environment, colleague)
    return false
  }

  /**
   * The same after re-syncing the colleague's memberships when they are
   * older than LAUNCH_MEMBERSHIP_MAX_AGE_MINUTES (503 when the User Office
   * cannot answer: nothing is opened on stale rights).
   */
  async holdsFresh(share: EnvironmentShare, environment: Environment, colleague: User) {
    await this.memberships.ensureFresh(colleague, experimentsConfig.launchMembershipMaxAgeMs)
    return this.holds(share, environment, colleague)
  }

  async #withdraw(share: EnvironmentShare, environment: Environment, colleague: User) {
    await EnvironmentShare.query().where('id', share.id).delete()
    const sessions = await this.brokers.revokeFor(environment.id, colleague.id).catch((error) => {
      // The reconciler's sweep ends these records with the environment at the latest.
      logger.warn(
        { environmentId: environment.id, code: (error as { code?: string }).code },
        "removing a lapsed share's Guacamole records failed"
      )
      return null
    })
    await this.audit.record({
      actor: null,
      action: 'environment.unshare',
      outcome: 'success',
      origin: RequestOrigin.cli(),
      objectType: 'environment',
      objectId: environment.id,
      details: {
        userId: colleague.id,
        username: colleague.username,
        role: share.role,
        reason: 'no longer a member of its experiment',
        ...sessions,
      },
    })
  }
}

/** Whether the user belongs to the experiment (never, for an environment tied to none). */
export async function isMember(userId: number, experimentId: number | null) {
  if (!experimentId) {
    return false
  }
  const member = await ExperimentMember.query()
    .where('user_id', userId)
    .where('experiment_id', experimentId)
    .select('id')
    .first()
  return member !== null
}

/** When a colleague last received a way in (AccessService): a web address, once handed out, cannot be taken back. */
export async function noteShareOpened(environmentId: number, userId: number) {
  await EnvironmentShare.query()
    .where('environment_id', environmentId)
    .where('user_id', userId)
    .update({ last_opened_at: toSqlTimestamp(new Date()) })
}
