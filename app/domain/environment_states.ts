/**
 * The life of an environment:
 *
 *   provisioning → running → stopping → stopped → provisioning (start) …
 *   any live state → removing → removed;  any step may end in failed.
 */
export const ENVIRONMENT_STATES = [
  'provisioning',
  'running',
  'stopping',
  'stopped',
  'removing',
  'removed',
  'failed',
] as const

export type EnvironmentState = (typeof ENVIRONMENT_STATES)[number]

/** States that occupy one of the user's environment slots and their storage. */
export const HOLDS_SLOT: EnvironmentState[] = [
  'provisioning',
  'running',
  'stopping',
  'stopped',
  'removing',
]

/** States that hold CPU, memory and GPUs. */
export const HOLDS_COMPUTE: EnvironmentState[] = ['provisioning', 'running', 'stopping']

/**
 * Every named step of the life above: the states it may start from and
 * the state it leads to. EnvironmentLifecycle is the only writer of
 * `state`, and only along these.
 */
export const TRANSITIONS = {
  /** A person starts a stopped environment again. */
  start: { from: ['stopped'], to: 'provisioning' },
  /** Its service answers. */
  ready: { from: ['provisioning'], to: 'running' },
  /** A person (or an admin disabling the account) stops it. */
  stop: { from: ['running'], to: 'stopping' },
  /** The idle job stops it after its image's idle limit without use. */
  idle_stop: { from: ['running'], to: 'stopping' },
  /** The engine stopped it. */
  halted: { from: ['stopping'], to: 'stopped' },
  /** A person removes it. */
  remove: { from: ['running', 'stopped', 'failed'], to: 'removing' },
  /** It outlived its expiry. */
  expire: { from: ['running', 'stopped'], to: 'removing' },
  /**
   * Account erasure takes it away whatever it is doing: the engine work
   * still running then finds its own transitions refused.
   */
  dispose: { from: ['provisioning', 'running', 'stopping', 'stopped', 'failed'], to: 'removing' },
  /** The engine objects are gone. */
  removed: { from: ['removing'], to: 'removed' },
  /** The engine refused, the object vanished or died, or the work was abandoned. */
  fail: { from: ['provisioning', 'running', 'stopping'], to: 'failed' },
} as const satisfies Record<string, { from: readonly EnvironmentState[]; to: EnvironmentState }>

export type EnvironmentTransition = keyof typeof TRANSITIONS

/**
 * The transitions that end an environment's run, by cause: usage
 * accounting and the metrics count each apart. The journal names a state
 * change after its transition, so the cause outlives the moment.
 */
export const RUN_ENDINGS = {
  stop: 'manual',
  idle_stop: 'idle',
  expire: 'expiry',
} as const satisfies Partial<Record<EnvironmentTransition, string>>

export type RunEndingCause = (typeof RUN_ENDINGS)[keyof typeof RUN_ENDINGS]

/** States in which the owner may change the expiry. */
export const EXTENDABLE: EnvironmentState[] = ['provisioning', 'running', 'stopped']

/** States in which nothing more will happen without a request. */
export const SETTLED: EnvironmentState[] = ['running', 'stopped', 'removed', 'failed']
