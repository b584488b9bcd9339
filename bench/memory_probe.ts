/*
 * Loaded into the benchmarked server with `--import` (bench/memory.ts):
 * counts the modules the process loads and, on SIGUSR2, writes where its
 * memory is (process.memoryUsage(), the V8 heap spaces, the modules by
 * package) as JSON to MEMORY_PROBE_FILE. Plain Node (type stripping): it
 * runs before the application and outside its build.
 */
import { registerHooks } from 'node:module'
import { writeFileSync } from 'node:fs'
import v8 from 'node:v8'

const MiB = 2 ** 20
const sourceBytes = new Map<string, number>()

registerHooks({
  load(url, context, nextLoad) {
    const loaded = nextLoad(url, context)
    const source = loaded.source
    sourceBytes.set(url, typeof source === 'string' ? source.length : (source?.byteLength ?? 0))
    return loaded
  },
})

/** "@scope/name" or "name" of a file under node_modules; "app" and "node:" otherwise. */
function packageOf(url: string) {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  return match ? match[1] : url.startsWith('node:') ? 'node:' : 'app'
}

function report() {
  const usage = process.memoryUsage()
  const packages = new Map<string, { modules: number; sourceMiB: number }>()
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
  return {
    rssMiB: usage.rss / MiB,
    heapTotalMiB: usage.heapTotal / MiB,
    heapUsedMiB: usage.heapUsed / MiB,
    externalMiB: usage.external / MiB,
    arrayBuffersMiB: usage.arrayBuffers / MiB,
    modules: sourceBytes.size,
    spaces,
    packages: [...packages]
      .map(([name, entry]) => ({ name, ...entry }))
      .sort((a, b) => b.sourceMiB - a.sourceMiB),
  }
}

process.on('SIGUSR2', () => {
  writeFileSync(process.env.MEMORY_PROBE_FILE!, JSON.stringify(report()))
})
