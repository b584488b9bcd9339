import type { CoreV1Event, V1Pod } from '@kubernetes/client-node'

/**
 * Reading a pod's status the way the driver needs it: is it running,
 * ready, hopeless, or still on its way — and in Kubernetes' own words.
 */

/** Container waiting reasons that will not resolve by waiting (restartPolicy Never). */
const HOPELESS_WAITING = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
])

/** One look at a pod. */
export type PodView = {
  phase: string
  terminating: boolean
  ready: boolean
  /** e.g. "ErrImagePull: rpc error: …" of the first waiting container. */
  waiting: { reason: string; message: string } | null
  /** Why it ended: "Error, exit code 1", "OOMKilled, exit code 137". */
  terminated: { reason: string; exitCode: number; message: string } | null
  /** PodScheduled=False: "Unschedulable: 0/3 nodes are available: …". */
  unschedulable: { reason: string; message: string } | null
}

/** What a pod's status says. */
export function viewPod(pod: V1Pod): PodView {
  const status = pod.status ?? {}
  const containers = status.containerStatuses ?? []
  const waitingState = containers.find((container) => container.state?.waiting)?.state?.waiting
  const terminatedState = containers.find((container) => container.state?.terminated)?.state
    ?.terminated
  const scheduled = status.conditions?.find((condition) => condition.type === 'PodScheduled')
  const ready = status.conditions?.find((condition) => condition.type === 'Ready')
  return {
    phase: status.phase ?? 'Pending',
    terminating: Boolean(pod.metadata?.deletionTimestamp),
    ready: ready?.status === 'True',
    waiting: waitingState?.reason
      ? { reason: waitingState.reason, message: waitingState.message ?? '' }
      : null,
    terminated: terminatedState
      ? {
          reason: terminatedState.reason ?? 'Terminated',
          exitCode: terminatedState.exitCode,
          message: terminatedState.message ?? '',
        }
      : null,
    unschedulable:
      scheduled?.status === 'False'
        ? { reason: scheduled.reason ?? 'Unschedulable', message: scheduled.message ?? '' }
        : null,
  }
}

/** Whether the pod will never run (bad image, failed or finished). */
export function isHopeless(view: PodView) {
  return (
    view.phase === 'Failed' ||
    view.phase === 'Succeeded' ||
    (view.waiting !== null && HOPELESS_WAITING.has(view.waiting.reason))
  )
}

/** "pending (ErrImagePull)", "running", "failed (Error, exit code 1)": for lists and logs. */
export function describePod(view: PodView) {
  const phase = view.terminating ? 'terminating' : view.phase.toLowerCase()
  const detail = view.terminated
    ? `${view.terminated.reason}, exit code ${view.terminated.exitCode}`
    : (view.waiting?.reason ?? view.unschedulable?.reason)
  return detail ? `${phase} (${detail})` : phase
}

/** A short message for people; Kubernetes messages can be long. */
function clip(text: string, length = 300) {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text
}

/** Why a pod will not run, with the Kubernetes reason, for the environment's failure reason. */
export function failureMessage(view: PodView, events: CoreV1Event[] = []) {
  const warning = events.findLast((event) => event.type === 'Warning')
  const extra = warning?.message ? ` — ${clip(warning.message, 200)}` : ''
  if (view.waiting && HOPELESS_WAITING.has(view.waiting.reason)) {
    const words = view.waiting.message ? `: ${clip(view.waiting.message)}` : ''
    const what = /Image/.test(view.waiting.reason)
      ? 'The image of the environment cannot be pulled'
      : 'The environment could not be started'
    return `${what} (${view.waiting.reason}${words})${words ? '' : extra}`
  }
  if (view.terminated) {
    const { reason, exitCode, message } = view.terminated
    return `The environment stopped at once (${reason}, exit code ${exitCode}${message ? `: ${clip(message)}` : ''})`
  }
  return `The environment's pod ended (${view.phase})${extra}`
}

/** Why a pod is still pending after the start timeout. */
export function pendingMessage(view: PodView, seconds: number, events: CoreV1Event[] = []) {
  if (view.unschedulable) {
    const { reason, message } = view.unschedulable
    return `The environment could not be scheduled within ${seconds} s (${reason}${message ? `: ${clip(message)}` : ''})`
  }
  const warning = events.findLast((event) => event.type === 'Warning')
  const why =
    view.waiting?.reason ?? (warning ? `${warning.reason}: ${clip(warning.message ?? '')}` : '')
  return `The environment's pod did not start within ${seconds} s (${view.phase}${why ? `: ${why}` : ''})`
}
