import {
  HOLDS_COMPUTE,
  HOLDS_SLOT,
  type EnvironmentState,
  type RunEndingCause,
} from '#domain/environment_states'

/** What a usage row is grouped by: a user, an experiment or an image. */
export type UsageGroupKey = { id: number | null; label: string }

/** A state the environment entered, at epoch milliseconds. */
export type UsageTransition = { state: EnvironmentState; at: number }

/** One environment with its reservation and its recorded state transitions. */
export type UsageEnvironment = {
  key: UsageGroupKey
  cpuMillicores: number
  memoryBytes: number
  gpus: number
  /** Every transition before the window's end, in any order. */
  transitions: UsageTransition[]
  /** Why its runs ended within the window (one entry per ending). */
  endings: RunEndingCause[]
}

export type UsageRow = {
  key: UsageGroupKey
  environmentHours: number
  cpuCoreHours: number
  memoryGiBHours: number
  gpuHours: number
  /** Runs stopped by a person or an admin within the window. */
  manualStops: number
  /** Runs the idle job stopped within the window. */
  idleStops: number
  /** Environments removed at expiry within the window. */
  expiries: number
}

const ENDING_FIELDS = {
  manual: 'manualStops',
  idle: 'idleStops',
  expiry: 'expiries',
} as const satisfies Record<RunEndingCause, keyof UsageRow>

/** The accounting window in epoch ms; `end` is min(now, to), `from` ≤ `end`. */
export type UsageWindow = { from: number; end: number }

const MS_PER_HOUR = 3_600_000
const GIB = 2 ** 30

/** Rounds to 4 decimals once, at the end, so sums are not rounded twice. */
const round4 = (value: number) => Math.round(value * 10_000) / 10_000

/**
 * Milliseconds an environment spent in the given states within the window.
 * Each transition's state lasts until the next transition (or the window's
 * end when it is the last one), clipped to the window.
 */
function timeIn(transitions: UsageTransition[], states: EnvironmentState[], window: UsageWindow) {
  let total = 0
  for (const [index, transition] of transitions.entries()) {
    if (!states.includes(transition.state)) {
      continue
    }
    const next = transitions[index + 1]?.at ?? window.end
    const start = Math.max(transition.at, window.from)
    const stop = Math.min(next, window.end)
    if (stop > start) {
      total += stop - start
    }
  }
  return total
}

/**
 * Usage per group: environment hours while an environment holds a slot,
 * core/GiB/GPU hours while it holds compute. Pure: the caller loads the
 * data and decides what "now" is. Rows are sorted by label.
 */
export function calculateUsage(environments: UsageEnvironment[], window: UsageWindow): UsageRow[] {
  const groups = new Map<string, UsageRow>()
  for (const environment of environments) {
    // Ties at the same millisecond keep their given order (the caller sorts by id).
    const transitions = environment.transitions
      .map((transition, index) => ({ transition, index }))
      .sort((a, b) => a.transition.at - b.transition.at || a.index - b.index)
      .map(({ transition }) => transition)
    const slotHours = timeIn(transitions, HOLDS_SLOT, window) / MS_PER_HOUR
    const computeHours = timeIn(transitions, HOLDS_COMPUTE, window) / MS_PER_HOUR

    const groupId = `${environment.key.id ?? 'null'}`
    const row = groups.get(groupId) ?? {
      key: environment.key,
      environmentHours: 0,
      cpuCoreHours: 0,
      memoryGiBHours: 0,
      gpuHours: 0,
      manualStops: 0,
      idleStops: 0,
      expiries: 0,
    }
    for (const cause of environment.endings) {
      row[ENDING_FIELDS[cause]]++
    }
    row.environmentHours += slotHours
    row.cpuCoreHours += (computeHours * environment.cpuMillicores) / 1000
    row.memoryGiBHours += (computeHours * environment.memoryBytes) / GIB
    row.gpuHours += computeHours * environment.gpus
    groups.set(groupId, row)
  }
  return [...groups.values()]
    .filter((row) => row.environmentHours > 0 || row.cpuCoreHours > 0)
    .map((row) => ({
      key: row.key,
      environmentHours: round4(row.environmentHours),
      cpuCoreHours: round4(row.cpuCoreHours),
      memoryGiBHours: round4(row.memoryGiBHours),
      gpuHours: round4(row.gpuHours),
      manualStops: row.manualStops,
      idleStops: row.idleStops,
      expiries: row.expiries,
    }))
    .sort((a, b) => a.key.label.localeCompare(b.key.label))
}
