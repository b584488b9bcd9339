import { readFile, rm } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

const PROBE = fileURLToPath(new URL('memory_probe.js', import.meta.url))

/** What bench/memory_probe.js writes when the portal receives SIGUSR2. */
export type ProbeReport = {
  rssMiB: number
  heapTotalMiB: number
  heapUsedMiB: number
  externalMiB: number
  arrayBuffersMiB: number
  mallocedMiB: number
  peakMallocedMiB: number
  modules: number
  collections: Record<'young' | 'other', { count: number; ms: number }>
  spaces: Record<string, { usedMiB: number; residentMiB: number }>
  packages: { name: string; modules: number; sourceMiB: number }[]
}

/**
 * The environment that loads bench/memory_probe.js into the portal and
 * tells it where to write its report (`probeFile`, read by readMemoryProbe).
 */
export function memoryProbeEnv(probeFile: string) {
  return { NODE_OPTIONS: `--import=${PROBE}`, MEMORY_PROBE_FILE: probeFile }
}

/**
 * Asks the portal (pid) loaded with bench/memory_probe.js for its memory
 * report and reads it from `probeFile` (its MEMORY_PROBE_FILE).
 */
export async function readMemoryProbe(pid: number, probeFile: string): Promise<ProbeReport> {
  await rm(probeFile, { force: true })
  process.kill(pid, 'SIGUSR2')
  for (let attempt = 0; attempt < 50; attempt++) {
    const text = await readFile(probeFile, 'utf8').catch(() => null)
    if (text) {
      return JSON.parse(text)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error('the memory probe did not answer')
}
