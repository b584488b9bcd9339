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
 * Hands back to the system the memory the process holds and no longer
 * needs (issue 16: idle ≤ 120 MiB): one collection asked to reduce memory
 * (the "last resort" one: it collects until nothing more is freed). V8
 * releases pages only in such a collection, never while the process just
 * idles. Run before the server listens (bin/server.ts: loading about 1,600
 * modules fills the young generation, 2 × 16 MiB resident, and fragments
 * the old one; idle 148 → 112 MiB) and again when the portal comes to rest
 * after serving (IdleMemoryRelease).
 *
 * It needs `--min-semi-space-size=16` in the start command (package.json
 * "serve"): without it the collection also shrinks the young generation's
 * capacity to 1 MiB, and request garbage, which hardly survives, never
 * grows it back: four times the scavenges and every request about 40 µs
 * dearer (docs/benchmarks.md, "Issue 16, stop 25" and "stop 26"). With it
 * the capacity stays 16 MiB while the untouched pages are released, so
 * without that flag (`npm start`, tests) nothing is collected (null).
 */
export function releaseUnusedMemory() {
  if (!youngGenerationFloorSet()) {
    return null
  }
  const before = process.memoryUsage.rss()
  const began = performance.now()
  garbageCollector()({ type: 'major', execution: 'sync', flavor: 'last-resort' })
  return {
    milliseconds: Math.round(performance.now() - began),
    releasedMiB: Math.round((before - process.memoryUsage.rss()) / MiB),
  }
}

/** Whether Node was started with a floor for the young generation (`--min-semi-space-size`). */
export function youngGenerationFloorSet() {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)]
  return flags.some((flag) => /^--min[-_]semi[-_]space[-_]size=[1-9]/.test(flag))
}
