import type { QuotaAmounts } from '#services/environments/quota_service'

/** Binary suffixes, largest first, as the size flags take them. */
const BINARY_SUFFIXES: [string, number][] = [
  ['Pi', 1024 ** 5],
  ['Ti', 1024 ** 4],
  ['Gi', 1024 ** 3],
  ['Mi', 1024 ** 2],
  ['Ki', 1024],
]

/** Bytes with the largest binary suffix that divides them exactly ("8Gi", "1536Mi", "100"). */
export function bytesText(bytes: number) {
  const suffix = BINARY_SUFFIXES.find(([, size]) => bytes > 0 && bytes % size === 0)
  return suffix ? `${bytes / suffix[1]}${suffix[0]}` : String(bytes)
}

/** Millicores as cores when whole ("2"), else with "m" ("1500m"). */
export function cpuText(millicores: number) {
  return millicores % 1000 === 0 ? String(millicores / 1000) : `${millicores}m`
}

/**
 * The five quota amounts in the units `quota:set` takes, so a value
 * printed by one command can be pasted into the other.
 */
export function quotaTexts(amounts: QuotaAmounts) {
  return {
    environments: String(amounts.environments),
    cpu: cpuText(amounts.cpuMillicores),
    memory: bytesText(amounts.memoryBytes),
    storage: bytesText(amounts.storageBytes),
    gpus: String(amounts.gpus),
  }
}
