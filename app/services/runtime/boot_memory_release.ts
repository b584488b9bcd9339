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
 * churns enough short-lived objects to grow V8's young generation to its
 * cap (2 × --max-semi-space-size) and leaves the old generation
 * fragmented; neither shrinks by itself while the process is idle, since
 * V8 shrinks only on a collection asked to reduce memory. One such
 * collection (the "last resort" one: it collects until nothing more is
 * freed) takes 0.3–1.3 s once, just before the server listens (bin/server.ts): idle
 * resident memory 155 → 116 MiB (docs/benchmarks.md, "Issue 16, stop 25").
 * The young generation grows again under load, as before.
 */
export function releaseBootMemory() {
  const before = process.memoryUsage().rss
  const began = performance.now()
  garbageCollector()({ type: 'major', execution: 'sync', flavor: 'last-resort' })
  return {
    milliseconds: Math.round(performance.now() - began),
    releasedMiB: Math.round((before - process.memoryUsage().rss) / MiB),
  }
}
