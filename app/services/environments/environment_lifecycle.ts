import { inject } from '@adonisjs/core'
import logger from '@adonisjs/core/services/logger'
import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import Environment from '#models/environment'
import EnvironmentJournal, { type JournalEntry } from '#services/environments/environment_journal'
import { toSqlTimestamp } from '#models/millisecond_timestamp'
import AccessBrokers from '#services/access/access_brokers'
import {
  RUN_ENDINGS,
  TRANSITIONS,
  type EnvironmentState,
  type EnvironmentTransition,
} from '#domain/environment_states'
import type { Endpoint } from '#services/provisioning/provisioning_driver'
import InvalidStateException from '#exceptions/invalid_state_exception'
import {
  environmentRequisitionDuration,
  environmentRunEndings,
  environmentsExpired,
} from '#services/metrics/portal_metrics'

export type TransitionOptions = {
  /** Narrows the states the transition may start from (e.g. the one just read). */
  from?: readonly EnvironmentState[]
  /** Columns written with the state, e.g. `failure_reason`. */
  changes?: Record<string, unknown>
  /**
   * The caller's transaction: the state and its journal entry commit with
   * it, the hooks run once it committed.
   */
  client?: TransactionClientContract
  /** Set on the outcome of a bring-up: a first one ("create") is a requisition. */
  launch?: 'create' | 'start'
  /**
   * Progress steps journaled just before the transition's own entry, all
   * once the state changed: the state is what people wait for.
   */
  reached?: JournalEntry[]
}

/** Where the engine runs an environment: the bring-up's first result. */
export type Placement = { engineId: string; endpoint: Endpoint }

/** The columns that say where the engine runs it. */
function placementColumns({ engineId, endpoint }: Placement) {
  return { engine_id: engineId, endpoint_host: endpoint.host, endpoint_port: endpoint.port }
}

/** Columns of a new environment, as the requisition reserved them. */
export type NewEnvironment = Pick<
  Environment,
  | 'userId'
  | 'imageId'
  | 'experimentId'
  | 'sessionId'
  | 'name'
  | 'driver'
  | 'secret'
  | 'cpuMillicores'
  | 'memoryBytes'
  | 'storageBytes'
  | 'gpus'
  | 'expiresAt'
>

/**
 * The one writer of an environment's state. Every change follows a named
 * transition of app/domain/environment_states.ts, guarded by the states
 * it may start from (so two processes, or a request and the engine work,
 * never both win), is written to the journal (progress stream, usage
 * accounting), and runs the hooks: remote access ends when an environment
 * leaves "running", and the metrics of requisitions and expiries count.
 */
@inject()
export default class EnvironmentLifecycle {
  constructor(
    protected journal: EnvironmentJournal,
    protected access: AccessBrokers
  ) {}

  /**
   * Records a requisition's environment in "provisioning", inside its
   * reservation's transaction, with the journal's first entries in one
   * statement: the reservation, then `next` (the bring-up's first step,
   * journaled here rather than in a commit of its own beside the engine's
   * create).
   */
  async begin(
    attributes: NewEnvironment,
    trx: TransactionClientContract,
    next: JournalEntry[] = []
  ) {
    const environment = await Environment.create(
      { ...attributes, state: 'provisioning' },
      { client: trx }
    )
    await this.journal.recordAll(
      environment.id,
      [{ step: 'quota', message: 'Quota reserved', state: 'provisioning' }, ...next],
      trx
    )
    return environment
  }

  /**
   * Moves the environment along `name` if it is still in a state the
   * transition starts from; false when someone else moved it first. The
   * state and its journal entries commit together, in the caller's
   * transaction or in one of their own (one commit instead of one per
   * statement: a launch's last writes are on the way to "running").
   */
  async transition(
    environment: Environment,
    name: EnvironmentTransition,
    message: string,
    options: TransitionOptions = {}
  ) {
    const { to } = TRANSITIONS[name]
    const client = options.client
    if (!client) {
      const moved = await db.transaction((trx) =>
        this.#move(environment, name, message, options, trx)
      )
      if (moved) {
        await this.#afterTransition(environment, name, to)
      }
      return moved
    }
    const moved = await this.#move(environment, name, message, options, client)
    if (moved) {
      client.after('commit', () => {
        this.#afterTransition(environment, name, to).catch((error) => {
          logger.error({ environmentId: environment.id, err: error }, 'transition hook failed')
        })
      })
    }
    return moved
  }

  /** The guarded state change and its journal entries, inside `client`. */
  async #move(
    environment: Environment,
    name: EnvironmentTransition,
    message: string,
    options: TransitionOptions,
    client: TransactionClientContract
  ) {
    const { to } = TRANSITIONS[name]
    const allowed: readonly EnvironmentState[] = TRANSITIONS[name].from
    const from = options.from ? options.from.filter((state) => allowed.includes(state)) : allowed
    const moved =
      from.length > 0 &&
      Number(
        await Environment.query({ client })
          .where('id', environment.id)
          .whereIn('state', [...from])
          .update({ state: to, updated_at: new Date(), ...options.changes })
      ) === 1
    this.#observeLaunch(environment, name, moved, options.launch)
    if (!moved) {
      return false
    }
    environment.state = to
    // Named after the transition, not the state: a stop says who or what stopped it.
    await this.journal.recordAll(
      environment.id,
      [...(options.reached ?? []), { step: name, message, state: to }],
      client
    )
    return true
  }

  /** A person's request: the same, but an environment in another state is a 409. */
  async require(
    environment: Environment,
    name: EnvironmentTransition,
    message: string,
    options: TransitionOptions = {}
  ) {
    if (!(await this.transition(environment, name, message, options))) {
      throw new InvalidStateException()
    }
  }

  /** A progress step without a change of state. */
  note(environmentId: number, step: string, message: string) {
    return this.journal.record(environmentId, step, message)
  }

  /** Where the engine runs it now, while its service does not answer yet. */
  async started(environment: Environment, placement: Placement) {
    await Promise.all([
      Environment.query().where('id', environment.id).update(placementColumns(placement)),
      this.journal.record(environment.id, 'started', 'Started; waiting for its service to answer'),
    ])
  }

  /**
   * A bring-up's end: "running" once its service answers, with the steps
   * reached on the way, in one commit. `placement` is where the engine runs
   * it when `started` did not record that yet (a service that answered at
   * once: one commit on the way to "running" instead of two).
   */
  ready(environment: Environment, launch: 'create' | 'start', placement?: Placement) {
    return this.transition(environment, 'ready', 'Ready', {
      launch,
      // Starting counts as use: idleness is reckoned from here until someone opens it.
      changes: {
        last_activity_at: toSqlTimestamp(new Date()),
        ...(placement ? placementColumns(placement) : {}),
      },
      reached: [
        ...(placement ? [{ step: 'started', message: 'Started' }] : []),
        { step: 'reachable', message: 'Its service answers' },
      ],
    })
  }

  async #afterTransition(
    environment: Environment,
    name: EnvironmentTransition,
    to: EnvironmentState
  ) {
    if (name === 'expire') {
      environmentsExpired.inc()
    }
    if (name in RUN_ENDINGS) {
      environmentRunEndings.inc({ cause: RUN_ENDINGS[name as keyof typeof RUN_ENDINGS] })
    }
    // Leaving "running" ends remote access (Guacamole records) at once.
    await this.access.onTransition(environment.id, to)
  }

  /**
   * Requested → running or failed, like JupyterHub's spawn duration; a
   * restart of a stopped environment is not a requisition. "cancelled":
   * removed or failed by someone else before it ran.
   */
  #observeLaunch(
    environment: Environment,
    name: EnvironmentTransition,
    moved: boolean,
    launch: TransitionOptions['launch']
  ) {
    if (launch !== 'create' || (name !== 'ready' && name !== 'fail')) {
      return
    }
    const outcome = name === 'ready' ? (moved ? 'running' : 'cancelled') : moved ? 'failed' : null
    if (outcome) {
      environmentRequisitionDuration.observe(
        { driver: environment.driver, outcome },
        (Date.now() - environment.createdAt.toMillis()) / 1000
      )
    }
  }
}
