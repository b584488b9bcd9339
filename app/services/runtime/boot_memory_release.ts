import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

type GarbageCollector = (options: {
  type: 'major'
  execution: 'sync'
  flavor: 'last-resort'
}) => void

/**
 * V8's collector, taken without starting Node with --expose-gc (the way
 * jest-leak-detector does): the flag is on only while a fresh context is
 * made, so no other code of the process sees a global `gc`.
 */
function garbageCollector(): GarbageCollector {
  setFlagsFromString('--expose-gc')
  try {
    return runInNewContext('gc') as GarbageCollector
  } finally {
    setFlagsFromString('--no-expose-gc')
  }
}

const MiB = 2 ** 20

/**
 * Hands back to the system the memory that starting the portal used and
 * no longer needs (issue 16: idle ≤ 120 MiB). Loading about 1,600 modules
 * churns enough short-lived objects to fill V8's young generation
 * (2 × 16 MiB resident) and leaves the old generation fragmented; neither
 * is given back while the process is idle, since V8 releases pages only in
 * a collection asked to reduce memory. One such collection (the "last
 * resort" one: it collects until nothing more is freed) runs once, just
 * before the server listens (bin/server.ts): idle 148 → 112 MiB.
 *
 * It needs `--min-semi-space-size=16` in the start command (package.json
 * "serve"): without it the collection also shrinks the young generation's
 * capacity to 1 MiB, and request garbage, which hardly survives, never
 * grows it back: four times the scavenges and every request about 40 µs
 * dearer (docs/benchmarks.md, "Issue 16, stop 25" and "stop 26"). With it
 * the capacity stays 16 MiB while the untouched pages are released, so
 * without that flag (`npm start`, tests) nothing is collected.
 */
export function releaseBootMemory() {
  if (!youngGenerationFloorSet()) {
    return null
  }
  const before = process.memoryUsage().rss
  const began = performance.now()
  garbageCollector()({ type: 'major', execution: 'sync', flavor: 'last-resort' })
  return {
    milliseconds: Math.round(performance.now() - began),
    releasedMiB: Math.round((before - process.memoryUsage().rss) / MiB),
  }
}

/** Whether Node was started with a floor for the young generation (`--min-semi-space-size`). */
function youngGenerationFloorSet() {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)]
  return flags.some((flag) => /^--min[-_]semi[-_]space[-_]size=[1-9]/.test(flag))
}
