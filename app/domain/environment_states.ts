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

/** States a request may move an environment out of, per action. */
export const ALLOWED_FROM: Record<'stop' | 'start' | 'remove', EnvironmentState[]> = {
  stop: ['running'],
  start: ['stopped'],
  remove: ['running', 'stopped', 'failed'],
}

/** States in which nothing more will happen without a request. */
export const SETTLED: EnvironmentState[] = ['running', 'stopped', 'removed', 'failed']
