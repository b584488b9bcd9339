import { outsideCallDuration, outsideCallErrors } from '#services/metrics/portal_metrics'

/** The outside systems the portal calls (the IdP is only ever reached through the browser). */
export type OutsideSystem =
  | 'user_office'
  | 'docker'
  | 'kubernetes'
  | 'guacamole_db'
  | 'guacamole_api'
  | 'smtp'
  | 'web_application'

/**
 * "unavailable": no usable answer (a 503-class domain error, or a bare
 * network or driver error without an HTTP status); "refused": the system
 * answered and said no (a missing image, a forbidden object).
 */
function kindOf(error: unknown) {
  const status = (error as { status?: unknown } | null)?.status
  return typeof status !== 'number' || status === 503 ? 'unavailable' : 'refused'
}

/**
 * Runs one call to an outside system, timing it and counting its failure
 * (which is rethrown untouched).
 */
export async function observeCall<T>(
  system: OutsideSystem,
  operation: string,
  call: () => Promise<T>
): Promise<T> {
  const stopTimer = outsideCallDuration.startTimer({ system, operation })
  try {
    return await call()
  } catch (error) {
    outsideCallErrors.inc({ system, operation, kind: kindOf(error) })
    throw error
  } finally {
    stopTimer()
  }
}

/**
 * Method decorator form of `observeCall`, for the public methods of a
 * client or driver that each are one operation on the outside system.
 */
export function observed(system: OutsideSystem, operation: string) {
  return function (
    _target: object,
    _method: string,
    descriptor: TypedPropertyDescriptor<(...args: any[]) => Promise<any>>
  ) {
    const call = descriptor.value!
    descriptor.value = function (this: unknown, ...args: any[]) {
      return observeCall(system, operation, () => call.apply(this, args))
    }
  }
}
