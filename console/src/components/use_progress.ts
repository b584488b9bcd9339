import { useEffect, useState } from 'preact/hooks'
import type { EnvironmentState } from '../api/types'

/** The steps of a launch, in order, as the progress stream names them. */
const LAUNCH_STEPS = ['quota', 'image', 'created', 'started', 'reachable']

export type Progress = {
  /** The latest step's message ("Its service answers"). */
  message: string | null
  /** How far a launch got, 0–LAUNCH_STEPS.length. */
  done: number
  total: number
}

const BUSY: EnvironmentState[] = ['provisioning', 'stopping', 'removing']

/**
 * Follows an environment's progress stream (server-sent events) while it is
 * provisioning, stopping or removing, and calls `onSettled` once the portal
 * says it is ready, stopped, removed or failed. The browser resumes a cut
 * stream by itself (Last-Event-ID).
 */
export function useProgress(id: number, state: EnvironmentState, onSettled: () => void): Progress {
  const [progress, setProgress] = useState<Progress>({
    message: null,
    done: 0,
    total: LAUNCH_STEPS.length,
  })

  useEffect(() => {
    if (!BUSY.includes(state)) {
      return
    }
    const source = new EventSource(`/api/v1/environments/${id}/events`)
    source.addEventListener('progress', (event) => {
      const data = JSON.parse((event as MessageEvent<string>).data) as {
        step: string
        message: string
      }
      const index = LAUNCH_STEPS.indexOf(data.step)
      setProgress((previous) => ({
        message: data.message,
        done: Math.max(previous.done, index + 1),
        total: LAUNCH_STEPS.length,
      }))
    })
    for (const name of ['ready', 'failed', 'stopped', 'removed']) {
      source.addEventListener(name, () => {
        source.close()
        onSettled()
      })
    }
    return () => source.close()
    // onSettled changes identity on every render; the stream depends on id and state only.
  }, [id, state])

  return progress
}
