import { randomBytes } from 'node:crypto'
import { DateTime } from 'luxon'
import { inject } from '@adonisjs/core'
import db from '@adonisjs/lucid/services/db'
import encryption from '@adonisjs/core/services/encryption'
import Environment from '#models/environment'
import Image from '#models/image'
import ExperimentMember from '#models/experiment_member'
import ExperimentSession from '#models/experiment_session'
import type User from '#models/user'
import environmentsConfig from '#config/environments'
import AuditService from '#services/audit_service'
import type RequestOrigin from '#services/request_origin'
import QuotaService, { launchRequest } from '#services/environments/quota_service'
import EnvironmentLifecycle from '#services/environments/environment_lifecycle'
import EnvironmentProvisioner from '#services/environments/environment_provisioner'
import AuthorizedEnvironments from '#services/environments/authorized_environments'
import UserOfficeAuthorization from '#services/user_office/user_office_authorization'
import ExperimentSyncService from '#services/experiments/experiment_sync_service'
import experimentsConfig from '#config/experiments'
import { EXTENDABLE, TRANSITIONS, type EnvironmentTransition } from '#domain/environment_states'
import type { EnvironmentDoor } from '#policies/environment_policy'
import { checkSessionMounts } from '#services/experiments/session_mounts'
import NotFoundException from '#exceptions/not_found_exception'
import InvalidStateException from '#exceptions/invalid_state_exception'
import SessionNotLaunchableException from '#exceptions/session_not_launchable_exception'
import ExperimentRequiredException from '#exceptions/experiment_required_exception'
import LaunchNotAllowedException from '#exceptions/launch_not_allowed_exception'

export type RequisitionInput = {
  imageId: number
  experimentId?: number
  sessionId?: number
  name?: string
}

/** The journal's words for a person's stop or removal, by the door it came through. */
const REQUEST_MESSAGES = {
  stop: { owner: 'Stopping', admin: 'Stopped by an admin' },
  remove: { owner: 'Removing', admin: 'Removed by an admin' },
} as const

/**
 * Requisition and lifecycle of analysis environments. Requests record
 * intent synchronously (a quota reservation, a guarded transition through
 * EnvironmentLifecycle); the engine work follows in EnvironmentProvisioner.
 * Who may act on which environment is EnvironmentPolicy's call: owner and
 * admin paths share these methods and differ only in the door they name.
 */
@inject()
export default class EnvironmentService {
  constructor(
    protected quotas: QuotaService,
    protected lifecycle: EnvironmentLifecycle,
    protected provisioner: EnvironmentProvisioner,
    protected authorized: AuthorizedEnvironments,
    protected audit: AuditService,
    protected facilityAuthorization: UserOfficeAuthorization,
    protected memberships: ExperimentSyncService
  ) {}

  /**
   * Checks the caller may use the image and the experiment, reserves quota
   * atomically with the environment record, and starts provisioning.
   */
  async requisition(user: User, input: RequisitionInput, origin: RequestOrigin) {
    // The engine is asked while the image and the caller's rights are checked.
    const engineAnswers = this.provisioner.engineCheck()
    const image = await this.#launchableImage(user, input.imageId)
    if (input.experimentId || input.sessionId) {
      await this.memberships.ensureFresh(user, experimentsConfig.launchMembershipMaxAgeMs)
    }
    const { experimentId, sessionId } = await this.#experimentContext(user, input)
    if (image.requiresExperiment && !experimentId) {
      throw new ExperimentRequiredException()
    }
    if (!experimentId) {
      await this.facilityAuthorization.assertMayLaunchOutsideExperiments(user)
    }
    // An unreachable engine is a 503 now, before anything is reserved or recorded. Not
    // awaited inside the reservation: a slow engine would hold the user's row lock and a
    // database connection for as long as it takes to answer.
    await engineAnswers(image.driver)

    const secret = randomBytes(24).toString('base64url')
    const lifetime = Math.min(
      image.lifetimeHours ?? environmentsConfig.lifetimeHours,
      environmentsConfig.maxLifetimeHours
    )
    const environment = await db.transaction(async (trx) => {
      await this.quotas.reserve(user.id, launchRequest(image, 'create'), trx)
      return this.lifecycle.begin(
        {
          userId: user.id,
          imageId: image.id,
          experimentId,
          sessionId,
          name: input.name ?? image.name,
          driver: image.driver,
          secret: encryption.encrypt(secret),
          cpuMillicores: image.cpuMillicores,
          memoryBytes: image.memoryBytes,
          storageBytes: image.storageBytes,
          gpus: image.gpus,
          expiresAt: DateTime.utc().plus({ hours: lifetime }),
        },
        trx,
        [this.provisioner.firstStep(image)]
      )
    })

    // Launched before the audit entry is written: the engine need not wait for it.
    this.provisioner.launch(environment, { image, user, secret })
    await this.#audit(user, 'environment.create', environment, origin, {
      imageId: image.id,
      experimentId,
      sessionId,
    })
    return environment
  }

  /** One environment the actor may see through `door`; anyone else's is "not found". */
  find(actor: User | null, id: number, door: EnvironmentDoor) {
    return this.authorized.findOrFail(actor, id, 'view', door)
  }

  /** One environment to follow through the owner's door (AuthorizedEnvironments.findToWatch). */
  findToWatch(actor: User, id: number) {
    return this.authorized.findToWatch(actor, id)
  }

  /**
   * Stops a running environment. Through the admin door `actor` may be
   * null (an operator's ace command); the owner then goes in the audit.
   */
  async stop(actor: User | null, id: number, door: EnvironmentDoor, origin: RequestOrigin) {
    const environment = await this.#request(actor, id, door, 'stop', origin)
    this.provisioner.halt(environment)
    return environment
  }

  /** Starts a stopped environment again; its compute must fit the quota again. */
  async start(actor: User | null, id: number, door: EnvironmentDoor, origin: RequestOrigin) {
    const environment = await this.authorized.findOrFail(actor, id, 'operate', door)
    // The owner's own request carries the roles of its credentials.
    const owner = actor?.id === environment.userId ? actor : environment.user
    await this.#assertMayStillLaunch(owner, environment)
    await db.transaction(async (trx) => {
      await this.quotas.reserve(environment.userId, launchRequest(environment, 'start'), trx)
      await this.lifecycle.require(environment, 'start', 'Starting again', {
        changes: { failure_reason: null },
        client: trx,
      })
    })
    await this.#audit(actor, 'environment.start', environment, origin)
    this.provisioner.restart(environment)
    return environment
  }

  /** Removes an environment (its engine objects, then the record moves to "removed"). */
  async remove(actor: User | null, id: number, door: EnvironmentDoor, origin: RequestOrigin) {
    const environment = await this.#request(actor, id, door, 'remove', origin)
    this.provisioner.dispose(environment)
    return environment
  }

  /**
   * Extends or shortens the life of a live environment, never past the
   * maximum lifetime counted from its creation.
   */
  async extend(
    actor: User | null,
    id: number,
    door: EnvironmentDoor,
    expiresAt: DateTime,
    origin: RequestOrigin
  ) {
    const environment = await this.authorized.findOrFail(actor, id, 'operate', door)
    if (!EXTENDABLE.includes(environment.state)) {
      throw new InvalidStateException()
    }
    const latest = environment.createdAt.plus({ hours: environmentsConfig.maxLifetimeHours })
    environment.expiresAt = DateTime.min(expiresAt, latest)
    await environment.save()
    await this.#audit(actor, 'environment.extend', environment, origin, {
      expiresAt: environment.expiresAt.toISO(),
    })
    return environment
  }

  /**
   * Stops every running environment of the user (an admin disabling the
   * account), or those `only` picks; ones that moved meanwhile are skipped.
   * Returns the ids stopped.
   */
  async stopAllOf(
    admin: User | null,
    owner: User,
    origin: RequestOrigin,
    only: (environment: Environment) => boolean = () => true
  ) {
    const running = await Environment.query()
      .where('user_id', owner.id)
      .whereIn('state', [...TRANSITIONS.stop.from])
      .preload('image')
    const stopped: number[] = []
    for (const environment of running.filter(only)) {
      if (await this.lifecycle.transition(environment, 'stop', 'Stopping')) {
        await this.#audit(admin, 'environment.stop', environment, origin, this.#owner(owner))
        this.provisioner.halt(environment)
        stopped.push(environment.id)
      }
    }
    return stopped
  }

  /**
   * Moves every live environment of the user to "removing" and lets the
   * provisioner dispose of it (account erasure). Provisioning and stopping
   * ones are taken too: the provisioner's own guarded transitions then fail
   * and it leaves nothing behind. Returns the ids.
   */
  async disposeAllOf(admin: User | null, owner: User, origin: RequestOrigin) {
    const live = await Environment.query()
      .where('user_id', owner.id)
      .whereIn('state', [...TRANSITIONS.dispose.from])
    const removed: number[] = []
    for (const environment of live) {
      if (await this.lifecycle.transition(environment, 'dispose', 'Removing')) {
        await this.#audit(admin, 'environment.remove', environment, origin, { ownerId: owner.id })
        this.provisioner.dispose(environment)
        removed.push(environment.id)
      }
    }
    return removed
  }

  /**
   * A person's stop or removal: the environment the policy lets them
   * operate, the guarded transition (409 otherwise), audited.
   */
  async #request(
    actor: User | null,
    id: number,
    door: EnvironmentDoor,
    transition: EnvironmentTransition & ('stop' | 'remove'),
    origin: RequestOrigin
  ) {
    const environment = await this.authorized.findOrFail(actor, id, 'operate', door)
    await this.lifecycle.require(environment, transition, REQUEST_MESSAGES[transition][door])
    // Someone acting on another's environment (an admin): the owner goes in the details.
    const details = environment.userId !== actor?.id ? this.#owner(environment.user) : undefined
    await this.#audit(actor, `environment.${transition}`, environment, origin, details)
    return environment
  }

  #owner(owner: User) {
    return { ownerId: owner.id, ownerUsername: owner.username }
  }

  /**
   * A start is a launch: the owner must still be offered the image, still
   * belong to the experiment (memberships re-synced when older than
   * LAUNCH_MEMBERSHIP_MAX_AGE_MINUTES), or still be authorised by the User
   * Office for an environment outside any experiment.
   */
  async #assertMayStillLaunch(user: User, environment: Environment) {
    const image = await Image.find(environment.imageId)
    if (!image?.enabled || !image.allowedRoles.some((role) => user.hasRole(role))) {
      throw new LaunchNotAllowedException('Its image is no longer offered to you')
    }
    if (!environment.experimentId) {
      await this.facilityAuthorization.assertMayLaunchOutsideExperiments(user)
      return
    }
    await this.memberships.ensureFresh(user, experimentsConfig.launchMembershipMaxAgeMs)
    if (!(await this.#isMember(user, environment.experimentId))) {
      throw new LaunchNotAllowedException('You no longer belong to its experiment')
    }
  }

  async #launchableImage(user: User, imageId: number) {
    const image = await Image.query().where('id', imageId).where('enabled', true).first()
    if (!image || !image.allowedRoles.some((role) => user.hasRole(role))) {
      throw new NotFoundException('No such image')
    }
    return image
  }

  /** The experiment (and session) to mount, checked for membership and mountability. */
  async #experimentContext(user: User, input: RequisitionInput) {
    let experimentId = input.experimentId ?? null
    let sessionId: number | null = null
    if (input.sessionId) {
      const session = await ExperimentSession.find(input.sessionId)
      // Someone else's session is "not found" exactly like a missing one, and
      // its mounts are none of the caller's business.
      if (
        !session ||
        (experimentId && session.experimentId !== experimentId) ||
        !(await this.#isMember(user, session.experimentId))
      ) {
        throw new NotFoundException('No such session')
      }
      experimentId = session.experimentId
      sessionId = session.id
      // Checked again now: the file system may have changed since the sync.
      const mounts = await checkSessionMounts(session.dataSetPath)
      if (!mounts.launchable) {
        throw new SessionNotLaunchableException()
      }
    } else if (experimentId && !(await this.#isMember(user, experimentId))) {
      throw new NotFoundException('No such experiment')
    }
    return { experimentId, sessionId }
  }

  async #isMember(user: User, experimentId: number) {
    const member = await ExperimentMember.query()
      .where('user_id', user.id)
      .where('experiment_id', experimentId)
      .first()
    return member !== null
  }

  #audit(
    user: User | null,
    action: string,
    environment: Environment,
    origin: RequestOrigin,
    details?: Record<string, unknown>
  ) {
    return this.audit.record({
      actor: user,
      action,
      outcome: 'success',
      origin,
      objectType: 'environment',
      objectId: environment.id,
      details,
    })
  }
}
