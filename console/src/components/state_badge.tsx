import type { EnvironmentState } from '../api/types'

const LABELS: Record<EnvironmentState, string> = {
  provisioning: 'Starting',
  running: 'Running',
  stopping: 'Stopping',
  stopped: 'Stopped',
  removing: 'Removing',
  removed: 'Removed',
  failed: 'Failed',
}

/** An environment's state as text (colour only repeats what the word says). */
export function StateBadge({ state }: { state: EnvironmentState }) {
  return <span class={`badge state-${state}`}>{LABELS[state]}</span>
}
