/*
 * Loaded into the benchmarked server with `--import` (memoryProbeEnv in
 * bench/memory_probe_reader.ts, used by bench/memory.ts and bench/node_flags.ts):
 * counts the modules the process loads and its garbage collections and, on
 * SIGUSR2, writes where its memory is (process.memoryUsage(), the V8 heap
 * spaces, the modules by package) as JSON to MEMORY_PROBE_FILE. Plain
 * JavaScript: a .ts file here would make Node load its type stripper
 * (about 15 MiB resident) into the process being measured.
 */
import { registerHooks } from 'node:module'
import { writeFileSync } from 'node:fs'
import { constants, PerformanceObserver } from 'node:perf_hooks'
import v8 from 'node:v8'

const MiB = 2 ** 20
/** @type {Map<string, number>} */
const sourceBytes = new Map()

registerHooks({
  load(url, context, nextLoad) {
    const loaded = nextLoad(url, context)
    const source = loaded.source
    sourceBytes.set(url, typeof source === 'string' ? source.length : (source?.byteLength ?? 0))
    return loaded
  },
})

/** Garbage collections so far: young generation (scavenges) and the rest, count and milliseconds. */
const collections = { young: { count: 0, ms: 0 }, other: { count: 0, ms: 0 } }
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = /** @type {{ detail?: { kind?: number } }} */ (entry).detail?.kind
    const bucket =
      kind === constants.NODE_PERFORMANCE_GC_MINOR ? collections.young : collections.other
    bucket.count += 1
    bucket.ms += entry.duration
  }
}).observe({ entryTypes: ['gc'] })

/** "@scope/name" or "name" of a file under node_modules; "app" and "node:" otherwise. */
/** @param {string} url */
function packageOf(url) {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  return match ? match[1] : url.startsWith('node:') ? 'node:' : 'app'
}

function report() {
  const usage = process.memoryUsage()
  /** @type {Map<string, { modules: number, sourceMiB: number }>} */
  const packages = new Map()
  for (const [url, bytes] of sourceBytes) {
    const entry = packages.get(packageOf(url)) ?? { modules: 0, sourceMiB: 0 }
    entry.modules += 1
    entry.sourceMiB += bytes / MiB
    packages.set(packageOf(url), entry)
  }
  const spaces = Object.fromEntries(
    v8
      .getHeapSpaceStatistics()
      .map((space) => [
        space.space_name,
        { usedMiB: space.space_used_size / MiB, residentMiB: space.physical_space_size / MiB },
      ])
  )
  const heap = v8.getHeapStatistics()
  return {
    rssMiB: usage.rss / MiB,
    // V8's own malloc'd memory (compiler zones and the like): outside heapTotal and external.
    mallocedMiB: heap.malloced_memory / MiB,
    peakMallocedMiB: heap.peak_malloced_memory / MiB,
    heapTotalMiB: usage.heapTotal / MiB,
    heapUsedMiB: usage.heapUsed / MiB,
    externalMiB: usage.external / MiB,
    arrayBuffersMiB: usage.arrayBuffers / MiB,
    modules: sourceBytes.size,
    collections,
    spaces,
    packages: [...packages]
      .map(([name, entry]) => ({ name, ...entry }))
      .sort((a, b) => b.sourceMiB - a.sourceMiB),
  }
}

process.on('SIGUSR2', () => {
  writeFileSync(String(process.env.MEMORY_PROBE_FILE), JSON.stringify(report()))
})
