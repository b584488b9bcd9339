import { inject } from '@adonisjs/core'
import app from '@adonisjs/core/services/app'
import logger from '@adonisjs/core/services/logger'
import encryption from '@adonisjs/core/services/encryption'
import Environment from '#models/environment'
import type Image from '#models/image'
import type User from '#models/user'
import provisioningConfig from '#config/provisioning'
import EnvironmentLifecycle from '#services/environments/environment_lifecycle'
import EngineWork from '#services/environments/engine_work'
import type { JournalEntry } from '#services/environments/environment_journal'
import { engineObjectName } from '#domain/compute'
import ProvisioningDrivers from '#services/provisioning/provisioning_drivers'
import type {
  EnvironmentSpec,
  ProgressReporter,
  PulledImage,
} from '#services/provisioning/provisioning_driver'
import { checkSessionMounts } from '#services/experiments/session_mounts'
import { reverifyMounts } from '#domain/dataset_mounts'
import experimentsConfig from '#config/experiments'
import ProvisioningFailedException from '#exceptions/provisioning_failed_exception'
import { failureReason } from '#services/provisioning/driver_errors'
import ImagePullFailedException from '#exceptions/image_pull_failed_exception'
import AuditService from '#services/audit_service'
import RequestOrigin from '#services/request_origin'

/** What a requisition hands its launch: see EnvironmentProvisioner.launch. */
export type Requisitioned = { image: Image; user: User; secret: string }

/** What an environment's spec is made of. */
const RELATIONS = ['image', 'user', 'experiment', 'session'] as const
const FOREIGN_KEYS = {
  image: 'imageId',
  user: 'userId',
  experiment: 'experimentId',
  session: 'sessionId',
} as const satisfies Record<(typeof RELATIONS)[number], keyof Environment>

/**
 * Waits for both (unlike Promise.all, which leaves the other running);
 * rejects with the first one's failure, else the second's.
 */
async function settledBoth(first: Promise<unknown>, second: Promise<unknown>) {
  const outcomes = await Promise.allSettled([first, second])
  for (const outcome of outcomes) {
    if (outcome.status === 'rejected') {
      throw outcome.reason
    }
  }
}

/**
 * How long a started service may take to answer and still have where it
 * runs recorded with its "ready" alone; one taking longer has it recorded
 * on its own meanwhile ("Started; waiting for its service to answer").
 */
const ANSWERS_AT_ONCE_MS = 250

/**
 * True when `work` fulfils within `ms`, false when it is still pending
 * then (it keeps running); a failure within `ms` is thrown.
 */
async function fulfilsWithin(work: Promise<unknown>, ms: number) {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)))
  try {
    return await Promise.race([work.then(() => true), late])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * The engine side of the lifecycle, after a request has recorded its
 * intent: create/start/stop/remove through the environment's driver, in
 * the background and tracked; each outcome is reported to
 * EnvironmentLifecycle, which records it. Every failure after a
 * reservation ends with the engine object removed and the environment
 * failed (which releases its quota).
 */
@inject()
export default class EnvironmentProvisioner {
  constructor(
    protected drivers: ProvisioningDrivers,
    protected lifecycle: EnvironmentLifecycle,
    protected work: EngineWork,
    protected audit: AuditService
  ) {}

  /**
   * Waits for this process's engine work to finish (commands, tests): the
   * container's EngineWork (see there), also when a test swapped it.
   */
  static async settle(interrupt?: AbortSignal) {
    const work = await app.container.make(EngineWork)
    await work.settle(interrupt)
  }

  /**
   * The bring-up's first journal entry, which a requisition records with
   * its reservation (EnvironmentLifecycle.begin) before calling launch.
   */
  firstStep(image: Pick<Image, 'reference'>): JournalEntry {
    return { step: 'image', message: `Checking image ${image.reference}` }
  }

  /**
   * Brings up a requisitioned environment: `requisitioned` is what the
   * request already had (the image and owner it read, the secret before it
   * was encrypted), so none of it is read or decrypted again, and its
   * first step is in the journal already (firstStep).
   */
  launch(environment: Environment, requisitioned?: Requisitioned) {
    if (requisitioned) {
      environment.$setRelated('image', requisitioned.image)
      environment.$setRelated('user', requisitioned.user)
    }
    this.work.track(environment.id, () => this.#bringUp(environment, 'create', requisitioned))
  }

  restart(environment: Environment) {
    this.work.track(environment.id, () => this.#bringUp(environment, 'start'))
  }

  /**
   * Stops it; with `discardEngineObjects`, also removes its engine objects
   * (its data and output folders stay), so the next start creates them again
   * from a fresh spec: a new secret, for instance.
   */
  halt(environment: Environment, options: { discardEngineObjects?: boolean } = {}) {
    this.work.track(environment.id, () => this.#halt(environment, options.discardEngineObjects))
  }

  dispose(environment: Environment) {
    this.work.track(environment.id, () => this.#dispose(environment))
  }

  /** Throws ProvisioningUnavailableException (503) when the driver's engine cannot be reached. */
  async assertAvailable(driver: string) {
    await this.drivers.for(driver).ping()
  }

  /**
   * assertAvailable for a requisition, begun before its image is read: with
   * one driver available the image can name no other, so its engine is asked
   * at once. The function returned awaits that answer for the image's driver
   * (any other is asked then, and refused when not available).
   */
  engineCheck(): (driver: string) => Promise<void> {
    const sole = this.drivers.sole()
    if (!sole) {
      return (driver) => this.assertAvailable(driver)
    }
    const asked = this.assertAvailable(sole.name)
    // Awaited by the caller, unless it refused the request first (bad image, no rights).
    asked.catch(() => {})
    return (driver) => (driver === sole.name ? asked : this.assertAvailable(driver))
  }

  /** The driver's view of an environment; `secret` when the caller holds it decrypted. */
  async spec(environment: Environment, secret?: string): Promise<EnvironmentSpec> {
    // Each relation a query: only those not set yet (by launch), and never a missing one.
    const missing = RELATIONS.filter(
      (relation) =>
        environment.$preloaded[relation] === undefined && environment[FOREIGN_KEYS[relation]]
    )
    if (missing.length > 0) {
      await environment.load((loader) => {
        for (const relation of missing) {
          loader.load(relation)
        }
      })
    }
    const mounts = environment.session
      ? await checkSessionMounts(environment.session.dataSetPath)
      : null
    if (mounts && !mounts.launchable) {
      throw new ProvisioningFailedException(
        `The session's data cannot be mounted (${mounts.errors.map((error) => error.code).join(', ')})`
      )
    }
    const { experiment, image } = environment
    return {
      environmentId: environment.id,
      name: engineObjectName(provisioningConfig.instanceId, environment.id),
      owner: { id: environment.user.id, username: environment.user.username },
      image: {
        reference: image.reference,
        protocol: image.protocol,
        port: image.port,
        command: image.command,
        environment: image.environment,
        readOnlyRootFilesystem: image.readOnlyRootFilesystem,
        pullPolicy: image.pullPolicy,
      },
      resources: {
        cpuMillicores: environment.cpuMillicores,
        memoryBytes: environment.memoryBytes,
        storageBytes: environment.storageBytes,
        gpus: environment.gpus,
      },
      runAs:
        experiment?.posixUid && experiment.posixGid
          ? { uid: experiment.posixUid, gid: experiment.posixGid }
          : null,
      mounts: mounts?.mounts ?? [],
      secret: secret ?? encryption.decrypt<string>(environment.secret)!,
    }
  }

  async #bringUp(environment: Environment, how: 'create' | 'start', requisitioned?: Requisitioned) {
    const driver = this.drivers.for(environment.driver)
    const pullAudits: Promise<unknown>[] = []
    const progress: ProgressReporter = (step, message, facts) => {
      void this.lifecycle.note(environment.id, step, message).catch(() => {})
      if (facts?.pulledImage) {
        pullAudits.push(this.#auditPulled(environment, facts.pulledImage))
      }
    }
    try {
      const spec = await this.spec(environment, requisitioned?.secret)
      if (!requisitioned) {
        const { step, message } = this.firstStep(spec.image)
        progress(step, message)
      }
      const placement = await this.work.interruptible(
        how === 'create' ? driver.create(spec, progress) : driver.start(spec, progress)
      )
      await this.#reverifyMounts(spec)
      // The service is probed at once. One that answers within a moment gets where it runs
      // recorded with its "ready" (one commit on the way to "running"); a slower one gets it
      // recorded now, so the progress stream and admins see it started.
      const readiness = this.work.interruptible(
        driver.waitUntilReady(placement.endpoint, provisioningConfig.readyTimeoutMs)
      )
      const answeredAtOnce = await fulfilsWithin(readiness, ANSWERS_AT_ONCE_MS)
      if (!answeredAtOnce) {
        await settledBoth(this.lifecycle.started(environment, placement), readiness)
      }
      const ready = await this.lifecycle.ready(
        environment,
        how,
        answeredAtOnce ? placement : undefined
      )
      if (!ready) {
        // Removed or failed meanwhile (admin, reconciler): leave nothing running.
        await driver.remove(environment.id)
      }
    } catch (error) {
      logger.warn({ environmentId: environment.id, err: error }, 'environment provisioning failed')
      await driver.remove(environment.id).catch((removal) => {
        logger.error(
          { environmentId: environment.id, err: removal },
          'cleanup after a failure failed'
        )
      })
      await this.lifecycle.transition(environment, 'fail', failureReason(error), {
        from: ['provisioning'],
        changes: { failure_reason: failureReason(error).slice(0, 500) },
        launch: how,
      })
      if (error instanceof ImagePullFailedException) {
        await this.#auditPull(environment, 'failure', {
          reference: environment.image?.reference ?? null,
          reason: error.message,
        })
      }
    } finally {
      await Promise.all(pullAudits)
    }
  }

  /** What came onto the engine from a registry, and when, is evidence for admins. */
  #auditPulled(environment: Environment, pulled: PulledImage) {
    return this.#auditPull(environment, 'success', pulled).catch((error) => {
      logger.error({ environmentId: environment.id, err: error }, 'auditing an image pull failed')
    })
  }

  /**
   * Audits an `image.pull` of a launch: a success, or a pull the engine
   * could not finish (registry down, login expired).
   */
  async #auditPull(
    environment: Environment,
    outcome: 'success' | 'failure',
    details: Record<string, unknown>
  ) {
    await this.audit.record({
      actor: null,
      action: 'image.pull',
      outcome,
      origin: RequestOrigin.cli(),
      objectType: 'image',
      objectId: environment.imageId,
      details: { environmentId: environment.id, ownerId: environment.userId, ...details },
    })
  }

  /**
   * After the engine mounted the session's folders: each must still be the
   * real path that was checked. One that resolves elsewhere now may have
   * been swapped for a link in between; the failure path removes the
   * environment (docs/security.md, "Mount races").
   */
  async #reverifyMounts(spec: EnvironmentSpec) {
    if (spec.mounts.length === 0) {
      return
    }
    const errors = await reverifyMounts(spec.mounts, experimentsConfig.mountPolicy)
    if (errors.length > 0) {
      logger.warn(
        { environmentId: spec.environmentId, mounts: errors },
        'a mounted folder changed while the environment started'
      )
      throw new ProvisioningFailedException(
        `A mounted folder changed while the environment started (${errors.map((error) => error.code).join(', ')}); it was stopped`
      )
    }
  }

  async #halt(environment: Environment, discardEngineObjects = false) {
    const driver = this.drivers.for(environment.driver)
    try {
      await driver.stop(await this.spec(environment))
      if (discardEngineObjects) {
        await driver.remove(environment.id)
      }
      await this.lifecycle.transition(environment, 'halted', 'Stopped')
    } catch (error) {
      logger.warn({ environmentId: environment.id, err: error }, 'stopping an environment failed')
      await driver.remove(environment.id).catch(() => {})
      await this.lifecycle.transition(environment, 'fail', failureReason(error), {
        from: ['stopping'],
        changes: { failure_reason: failureReason(error).slice(0, 500) },
      })
    }
  }

  async #dispose(environment: Environment) {
    try {
      await this.drivers.for(environment.driver).remove(environment.id)
      await this.lifecycle.transition(environment, 'removed', 'Removed')
    } catch (error) {
      // The reconciler retries removals of environments left in "removing".
      logger.warn({ environmentId: environment.id, err: error }, 'removing an environment failed')
      await this.lifecycle.note(
        environment.id,
        'removing',
        `Removal will be retried: ${failureReason(error)}`
      )
    }
  }
}
