import { randomBytes } from 'node:crypto'
import encryption from '@adonisjs/core/services/encryption'
import { inject } from '@adonisjs/core'
import type Environment from '#models/environment'
import EnvironmentShare from '#models/environment_share'
import User from '#models/user'
import AuditService from '#services/audit_service'
import type RequestOrigin from '#services/request_origin'
import AccessBrokers from '#services/access/access_brokers'
import { opensWithToken } from '#services/access/access_service'
import AuthorizedEnvironments from '#services/environments/authorized_environments'
import EnvironmentLifecycle from '#services/environments/environment_lifecycle'
import EnvironmentProvisioner from '#services/environments/environment_provisioner'
import { isMember } from '#services/environments/share_membership'
import ExperimentSyncService from '#services/experiments/experiment_sync_service'
import experimentsConfig from '#config/experiments'
import type { EnvironmentDoor } from '#policies/environment_policy'
import { shareableAs, type ShareRole } from '#domain/share_roles'
import NotFoundException from '#exceptions/not_found_exception'
import ShareRefusedException from '#exceptions/share_refused_exception'

export type ShareInput = { username: string; role: ShareRole }

/**
 * Sharing an environment tied to an experiment with other members of it,
 * as `user` (full access) or `guest` (view-only where the protocol allows
 * it). The owner manages its shares through their door, admins anyone's
 * through theirs (EnvironmentPolicy's `share`). Every grant and revocation
 * is audited; a revocation removes the colleague's own Guacamole records
 * at once.
 */
@inject()
export default class EnvironmentSharing {
  constructor(
    protected authorized: AuthorizedEnvironments,
    protected brokers: AccessBrokers,
    protected lifecycle: EnvironmentLifecycle,
    protected provisioner: EnvironmentProvisioner,
    protected memberships: ExperimentSyncService,
    protected audit: AuditService
  ) {}

  /** The environment's shares, oldest first, each with its colleague's account loaded. */
  async list(actor: User | null, id: number, door: EnvironmentDoor) {
    const environment = await this.authorized.findOrFail(actor, id, 'share', door)
    return this.#shares(environment)
  }

  /**
   * Shares the environment with a member of its experiment, or changes the
   * role of an existing share. `created` tells which. 422 (field
   * `username`) for anyone who is not another member, whether or not the
   * account exists; 422 (field `role`) for a guest of a web application.
   */
  async share(
    actor: User | null,
    id: number,
    door: EnvironmentDoor,
    input: ShareInput,
    origin: RequestOrigin
  ) {
    const environment = await this.authorized.findOrFail(actor, id, 'share', door)
    if (!environment.experimentId) {
      throw ShareRefusedException.noExperiment()
    }
    if (!shareableAs(environment.image.protocol, input.role)) {
      throw ShareRefusedException.notViewOnly(environment.image.protocol)
    }
    const colleague = await this.#member(environment, input.username)

    const existing = await EnvironmentShare.query()
      .where('environment_id', environment.id)
      .where('user_id', colleague.id)
      .first()
    const previousRole = existing?.role ?? null
    let share: EnvironmentShare
    let sessions = {}
    if (existing) {
      if (existing.role !== input.role) {
        // Their next way in is made anew, in the new role (read-only or not); an open one ends.
        sessions = await this.brokers.revokeFor(environment.id, colleague.id)
        existing.role = input.role
        await existing.save()
      }
      share = existing
    } else {
      share = await EnvironmentShare.create({
        environmentId: environment.id,
        userId: colleague.id,
        role: input.role,
        grantedBy: actor?.id ?? null,
        lastOpenedAt: null,
      })
    }
    share.$setRelated('user', colleague)
    await this.#audit(actor, 'environment.share', environment, origin, {
      userId: colleague.id,
      username: colleague.username,
      role: input.role,
      ...(previousRole ? { previousRole } : {}),
      ...sessions,
    })
    return { share, created: !existing }
  }

  /**
   * Ends a colleague's share: their Guacamole records go first (503 and
   * nothing changed when Guacamole's database cannot be reached), then the
   * share; their open Guacamole sessions are ended when an administrator
   * is configured (the audit's `guacamoleSessions` says how it went). A web application that takes the environment's secret as its
   * login token cannot be made to forget it: when the colleague was handed
   * that URL, the environment is stopped with a new secret (its files and
   * output are kept) and its owner starts it again with the new token.
   */
  async revoke(
    actor: User | null,
    id: number,
    door: EnvironmentDoor,
    userId: number,
    origin: RequestOrigin
  ) {
    const environment = await this.authorized.findOrFail(actor, id, 'share', door)
    const share = await EnvironmentShare.query()
      .where('environment_id', environment.id)
      .where('user_id', userId)
      .preload('user')
      .first()
    if (!share) {
      throw new NotFoundException()
    }
    const sessions = await this.brokers.revokeFor(environment.id, userId)
    await share.delete()
    const stopped =
      share.lastOpenedAt !== null && opensWithToken(environment)
        ? await this.#stopForRevocation(environment)
        : false
    await this.#audit(actor, 'environment.unshare', environment, origin, {
      userId,
      username: share.user.username,
      role: share.role,
      ...sessions,
      ...(stopped ? { environmentStopped: true } : {}),
    })
  }

  /**
   * Stops it with a new secret and without its engine objects, so that the
   * owner's next start creates them again with the new token: a restarted
   * container would otherwise still accept the one the colleague was handed.
   */
  async #stopForRevocation(environment: Environment) {
    const secret = encryption.encrypt(randomBytes(24).toString('base64url'))
    const stopping = await this.lifecycle.transition(
      environment,
      'stop',
      'Stopping: its web address was handed to someone whose share was revoked',
      { changes: { secret } }
    )
    if (stopping) {
      environment.secret = secret
      this.provisioner.halt(environment, { discardEngineObjects: true })
    }
    return stopping
  }

  /** Another member of the environment's experiment, by username (memberships kept fresh). */
  async #member(environment: Environment, username: string) {
    const colleague = await User.query().where('username', username).first()
    if (!colleague || colleague.disabled || colleague.id === environment.userId) {
      throw ShareRefusedException.notAMember()
    }
    // Their memberships as fresh as a launch would need them.
    await this.memberships.ensureFresh(colleague, experimentsConfig.launchMembershipMaxAgeMs)
    if (!(await isMember(colleague.id, environment.experimentId))) {
      throw ShareRefusedException.notAMember()
    }
    return colleague
  }

  #shares(environment: Environment) {
    return EnvironmentShare.query()
      .where('environment_id', environment.id)
      .preload('user', (query) => query.select('id', 'username', 'display_name'))
      .orderBy('id', 'asc')
  }

  #audit(
    actor: User | null,
    action: string,
    environment: Environment,
    origin: RequestOrigin,
    details: Record<string, unknown>
  ) {
    // Someone acting on another's environment (an admin): the owner goes in the details.
    const owner =
      environment.userId !== actor?.id
        ? { ownerId: environment.userId, ownerUsername: environment.user.username }
        : {}
    return this.audit.record({
      actor,
      action,
      outcome: 'success',
      origin,
      objectType: 'environment',
      objectId: environment.id,
      details: { ...details, ...owner },
    })
  }
}
