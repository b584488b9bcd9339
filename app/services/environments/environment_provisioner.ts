import { inject } from '@adonisjs/core'
import logger from '@adonisjs/core/services/logger'
import encryption from '@adonisjs/core/services/encryption'
import Environment from '#models/environment'
import { toSqlTimestamp } from '#models/millisecond_timestamp'
import provisioningConfig from '#config/provisioning'
import EnvironmentJournal from '#services/environments/environment_journal'
import type { EnvironmentState } from '#domain/environment_states'
import ProvisioningDrivers from '#services/provisioning/provisioning_drivers'
import AccessBrokers from '#services/access/access_brokers'
import type { EnvironmentSpec } from '#services/provisioning/provisioning_driver'
import { checkSessionMounts } from '#services/experiments/session_mounts'
import ProvisioningFailedException from '#exceptions/provisioning_failed_exception'
import ProvisioningUnavailableException from '#exceptions/provisioning_unavailable_exception'
import { environmentRequisitionDuration } from '#services/metrics/portal_metrics'

/** Engine work still running in this process (awaited on shutdown). */
const inFlight = new Set<Promise<void>>()
/** Environments this process is working on right now. */
const busy = new Set<number>()
/** Aborted when this process gives up the engine work still running (shutdown deadline). */
const interruption = new AbortController()

/** Settles like `work`, or rejects as soon as this process gives up engine work. */
function interruptible<T>(work: Promise<T>): Promise<T> {
  const { signal } = interruption
  if (signal.aborted) {
    return Promise.reject(signal.reason)
  }
  return new Promise<T>((resolve, reject) => {
    const giveUp = () => reject(signal.reason)
    signal.addEventListener('abort', giveUp, { once: true })
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', giveUp))
  })
}

/** What a failure tells the user: domain messages as they are, anything else generically. */
function reasonOf(error: unknown) {
  if (
    error instanceof ProvisioningFailedException ||
    error instanceof ProvisioningUnavailableException
  ) {
    return error.message
  }
  return 'Internal error while provisioning; the facility has been notified in the logs'
}

/**
 * Does the engine side of the lifecycle after a request has recorded its
 * intent: create/start/stop/remove through the image's driver, then the
 * guarded state transition. Every failure after a reservation ends with
 * the engine object removed and the environment failed (which releases
 * its quota).
 */
@inject()
export default class EnvironmentProvisioner {
  constructor(
    protected drivers: ProvisioningDrivers,
    protected journal: EnvironmentJournal,
    protected access: AccessBrokers
  ) {}

  /**
   * Waits for this process's engine work to finish (graceful shutdown,
   * tests). Once `interrupt` aborts, bring-ups still waiting for the engine
   * give up: their engine object is removed and the environment fails
   * (which releases its quota). Stops and removals are awaited: they are
   * short, and a removal left undone is retried by the reconciler.
   */
  static async settle(interrupt?: AbortSignal) {
    const giveUp = () =>
      interruption.abort(
        new ProvisioningFailedException(
          'The portal shut down before the environment was ready; please start a new one'
        )
      )
    if (interrupt?.aborted) {
      giveUp()
    } else {
      interrupt?.addEventListener('abort', giveUp, { once: true })
    }
    while (inFlight.size > 0) {
      await Promise.allSettled([...inFlight])
    }
  }

  /** Whether this process is working on the environment (the reconciler leaves it alone). */
  static isBusy(environmentId: number) {
    return busy.has(environmentId)
  }

  /** Runs `work` in the background, tracked. */
  protected track(environmentId: number, work: () => Promise<void>) {
    busy.add(environmentId)
    const running = work()
      // Nobody awaits background work: a rejection (the database went away while
      // the outcome was being recorded) would end the whole process. The
      // reconciler finishes what could not be recorded.
      .catch((error) => {
        logger.error(
          { environmentId, err: error },
          'environment work ended without recording its outcome; the reconciler will'
        )
      })
      .finally(() => {
        busy.delete(environmentId)
        inFlight.delete(running)
      })
    inFlight.add(running)
  }

  launch(environment: Environment) {
    this.track(environment.id, () => this.#bringUp(environment, 'create'))
  }

  restart(environment: Environment) {
    this.track(environment.id, () => this.#bringUp(environment, 'start'))
  }

  halt(environment: Environment) {
    this.track(environment.id, () => this.#halt(environment))
  }

  dispose(environment: Environment) {
    this.track(environment.id, () => this.#dispose(environment))
  }

  /**
   * Moves the environment from one state to another if it is still in the
   * expected one; false when someone else moved it first.
   */
  async transition(
    environment: Environment,
    from: EnvironmentState[],
    to: EnvironmentState,
    message: string,
    changes: Record<string, unknown> = {}
  ) {
    const updated = await Environment.query()
      .where('id', environment.id)
      .whereIn('state', from)
      .update({ state: to, updated_at: new Date(), ...changes })
    if (Number(updated) !== 1) {
      return false
    }
    environment.state = to
    await this.journal.record(environment.id, to, message, to)
    // Leaving "running" ends remote access (Guacamole records) at once.
    await this.access.onTransition(environment.id, to)
    return true
  }

  /** The driver's view of an environment. */
  async spec(environment: Environment): Promise<EnvironmentSpec> {
    await environment.load((loader) => {
      loader.load('image').load('user').load('experiment').load('session')
    })
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
      name: `${provisioningConfig.instanceId}-env-${environment.id}`.toLowerCase().slice(0, 63),
      owner: { id: environment.user.id, username: environment.user.username },
      image: {
        reference: image.reference,
        protocol: image.protocol,
        port: image.port,
        command: image.command,
        environment: image.environment,
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
      secret: encryption.decrypt<string>(environment.secret)!,
    }
  }

  async #bringUp(environment: Environment, how: 'create' | 'start') {
    const driver = this.drivers.for(environment.driver)
    const progress = (step: string, message: string) => {
      void this.journal.record(environment.id, step, message).catch(() => {})
    }
    try {
      const spec = await this.spec(environment)
      progress('image', `Checking image ${spec.image.reference}`)
      const { engineId, endpoint } = await interruptible(
        how === 'create' ? driver.create(spec, progress) : driver.start(spec, progress)
      )
      await Environment.query()
        .where('id', environment.id)
        .update({ engine_id: engineId, endpoint_host: endpoint.host, endpoint_port: endpoint.port })
      await this.journal.record(
        environment.id,
        'started',
        'Started; waiting for its service to answer'
      )
      await interruptible(driver.waitUntilReady(endpoint, provisioningConfig.readyTimeoutMs))
      await this.journal.record(environment.id, 'reachable', 'Its service answers')
      // Starting counts as use: idleness is reckoned from here until someone opens it.
      const ready = await this.transition(environment, ['provisioning'], 'running', 'Ready', {
        last_activity_at: toSqlTimestamp(new Date()),
      })
      this.#observeRequisition(environment, how, ready ? 'running' : 'cancelled')
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
      const failed = await this.transition(
        environment,
        ['provisioning'],
        'failed',
        reasonOf(error),
        {
          failure_reason: reasonOf(error).slice(0, 500),
        }
      )
      if (failed) {
        this.#observeRequisition(environment, how, 'failed')
      }
    }
  }

  /**
   * Requested → running or failed, like JupyterHub's spawn duration; a
   * restart of a stopped environment is not a requisition. "cancelled":
   * removed or failed by someone else before it ran.
   */
  #observeRequisition(
    environment: Environment,
    how: 'create' | 'start',
    outcome: 'running' | 'failed' | 'cancelled'
  ) {
    if (how === 'create') {
      environmentRequisitionDuration.observe(
        { driver: environment.driver, outcome },
        (Date.now() - environment.createdAt.toMillis()) / 1000
      )
    }
  }

  async #halt(environment: Environment) {
    const driver = this.drivers.for(environment.driver)
    try {
      await driver.stop(await this.spec(environment))
      await this.transition(environment, ['stopping'], 'stopped', 'Stopped')
    } catch (error) {
      logger.warn({ environmentId: environment.id, err: error }, 'stopping an environment failed')
      await driver.remove(environment.id).catch(() => {})
      await this.transition(environment, ['stopping'], 'failed', reasonOf(error), {
        failure_reason: reasonOf(error).slice(0, 500),
      })
    }
  }

  async #dispose(environment: Environment) {
    try {
      await this.drivers.for(environment.driver).remove(environment.id)
      await this.transition(environment, ['removing'], 'removed', 'Removed')
    } catch (error) {
      // The reconciler retries removals of environments left in "removing".
      logger.warn({ environmentId: environment.id, err: error }, 'removing an environment failed')
      await this.journal.record(
        environment.id,
        'removing',
        `Removal will be retried: ${reasonOf(error)}`
      )
    }
  }
}
