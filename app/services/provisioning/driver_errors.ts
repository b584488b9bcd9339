import logger from '@adonisjs/core/services/logger'
import ProvisioningFailedException from '#exceptions/provisioning_failed_exception'
import ProvisioningUnavailableException from '#exceptions/provisioning_unavailable_exception'

/** What a driver was doing when the engine refused, in words for people. */
export type EngineCall = {
  /** Said when the engine refuses for a reason with no better wording, e.g. "The cluster refused the pod". */
  refused: string
  /** What the portal needs to be allowed to do, e.g. "create pods" (Kubernetes RBAC). */
  permission?: string
}

/** The coded exceptions a driver throws (provisioning_driver.ts). */
export type DriverException = ProvisioningFailedException | ProvisioningUnavailableException

/**
 * How one client library reports a failed call: dockerode
 * (docker_errors.ts) or @kubernetes/client-node (kubernetes_errors.ts).
 * A third driver brings its own reader and gets the same translation.
 */
export interface EngineErrorReader {
  /** "Docker engine refusal": the log message of a refusal. */
  readonly refusalLog: string
  /** The engine's HTTP status of a failed call; undefined when it never answered. */
  status(error: unknown): number | undefined
  /** Whether the call failed before the engine answered (an outage, not a refusal). */
  isUnreachable(error: unknown): boolean
  /** Log fields of a refusal (never secrets). */
  describe(error: unknown, status: number): Record<string, unknown>
  /** The exception a refusal becomes (failed, or unavailable when the portal cannot act). */
  refusal(error: unknown, status: number, call: EngineCall): DriverException
}

/** Whether an error is one of the coded exceptions drivers throw. */
export function isDriverException(error: unknown): error is DriverException {
  return (
    error instanceof ProvisioningFailedException ||
    error instanceof ProvisioningUnavailableException
  )
}

/**
 * What a provisioning failure tells the user: the drivers' coded messages
 * as they are, anything else (a bug, the database) generically.
 */
export function failureReason(error: unknown) {
  return isDriverException(error)
    ? error.message
    : 'Internal error while provisioning; the facility has been notified in the logs'
}

/**
 * The one translation of engine errors into the portal's coded exceptions,
 * for every driver: an engine that cannot be reached is unavailable (503),
 * a refusal is failed (502) with people's wording, unless the reader says
 * the portal itself cannot act (credentials, permissions, an overloaded
 * engine); anything else (a programming error) is rethrown as it is.
 */
export class DriverErrors {
  constructor(protected reader: EngineErrorReader) {}

  /** The engine's HTTP status of a failed call; undefined when it never answered. */
  status(error: unknown) {
    return this.reader.status(error)
  }

  /** The coded exception for an engine error; the error itself when it is no engine error. */
  translate(error: unknown, call: EngineCall): unknown {
    if (isDriverException(error)) {
      return error
    }
    if (this.reader.isUnreachable(error)) {
      return new ProvisioningUnavailableException(undefined, { cause: error })
    }
    const status = this.reader.status(error)
    if (status === undefined) {
      return error
    }
    logger.warn(this.reader.describe(error, status), this.reader.refusalLog)
    return this.reader.refusal(error, status, call)
  }

  /** Runs an engine call, translating its failure. */
  async call<T>(action: () => Promise<T>, call: EngineCall): Promise<T> {
    try {
      return await action()
    } catch (error) {
      throw this.translate(error, call)
    }
  }

  /**
   * For availability checks (ping, connecting): every failure means the
   * engine cannot be used now, whatever it was.
   */
  unavailable(error: unknown): ProvisioningUnavailableException {
    return error instanceof ProvisioningUnavailableException
      ? error
      : new ProvisioningUnavailableException(undefined, { cause: error })
  }

  /**
   * Resolves undefined instead of rejecting when the engine answers one of
   * `statuses` (404: already gone; 304: already stopped; 409: already there).
   */
  async unless<T>(statuses: number[], action: Promise<T>): Promise<T | undefined> {
    try {
      return await action
    } catch (error) {
      if (statuses.includes(this.reader.status(error) ?? -1)) {
        return undefined
      }
      throw error
    }
  }
}
