/**
 * Reading dockerode errors: an engine that answered with an error status
 * refused the request; anything else never reached it.
 */
import ProvisioningFailedException from '#exceptions/provisioning_failed_exception'
import type { EngineErrorReader } from '#services/provisioning/driver_errors'

/** The engine's HTTP status of a failed call; undefined when it never answered. */
export function engineStatus(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode
  return typeof status === 'number' ? status : undefined
}

/** The engine's own words, e.g. "No such image: x:1"; empty when it never answered. */
export function engineReason(error: unknown): string {
  const json = (error as { json?: unknown } | null)?.json
  if (json && typeof json === 'object' && 'message' in json) {
    return String(json.message)
  }
  return typeof json === 'string' ? json : ''
}

/**
 * Whether the call failed before the engine answered: missing socket,
 * refused or reset connection, timeout, TLS failure. Programming errors
 * (no system code) are not mistaken for an outage.
 */
export function isUnreachable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return engineStatus(error) === undefined && typeof code === 'string'
}

/** Engine refusals people can act on, by the engine's wording. */
const KNOWN_REFUSALS: [RegExp, string][] = [
  [/could not select device driver/i, 'No GPU is available on the engine'],
  [/bind source path does not exist/i, 'A folder to mount is missing on the engine host'],
  [/range of cpus/i, 'The engine host has fewer CPUs than requested'],
  [/minimum memory limit/i, 'The memory limit is below what the engine accepts'],
  [/executable file not found|exec: "[^"]*": stat/i, "The image's command cannot be run"],
]

/**
 * A short message for people about a refusal; `fallback` when the reason
 * is not one of the known ones (the engine's words may name host paths).
 */
export function refusalMessage(error: unknown, fallback: string): string {
  const reason = engineReason(error)
  return KNOWN_REFUSALS.find(([pattern]) => pattern.test(reason))?.[1] ?? fallback
}

/** dockerode's failures for the one translation (driver_errors.ts). */
export const dockerErrorReader: EngineErrorReader = {
  refusalLog: 'Docker engine refusal',
  status: engineStatus,
  isUnreachable,
  describe: (error, status) => ({ docker: { status, reason: engineReason(error) } }),
  refusal: (error, _status, call) =>
    new ProvisioningFailedException(refusalMessage(error, call.refused), { cause: error }),
}
