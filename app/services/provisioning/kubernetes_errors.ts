/**
 * Reading @kubernetes/client-node errors: an ApiException is the API
 * server's answer (with a Status body); anything else never reached it.
 */
import { ApiException } from '@kubernetes/client-node'
import ProvisioningFailedException from '#exceptions/provisioning_failed_exception'
import ProvisioningUnavailableException from '#exceptions/provisioning_unavailable_exception'
import type { EngineErrorReader } from '#services/provisioning/driver_errors'

/** The API server's HTTP status of a failed call; undefined when it never answered. */
export function apiStatus(error: unknown): number | undefined {
  return error instanceof ApiException && typeof error.code === 'number' ? error.code : undefined
}

/** The Status body's reason and message ("NotFound", "pods \"x\" not found"); empty when none. */
export function apiReason(error: unknown): { reason: string; message: string } {
  if (!(error instanceof ApiException)) {
    return { reason: '', message: '' }
  }
  let body: unknown = error.body
  if (typeof body === 'string') {
    const text = body
    try {
      body = JSON.parse(text)
    } catch {
      return { reason: '', message: text.slice(0, 200) }
    }
  }
  const status = (body ?? {}) as { reason?: unknown; message?: unknown }
  return {
    reason: typeof status.reason === 'string' ? status.reason : '',
    message: typeof status.message === 'string' ? status.message : '',
  }
}

/**
 * Whether the call failed before the API server answered: refused or reset
 * connection, DNS, TLS, the per-call timeout. Programming errors (a plain
 * Error without a cause) are not mistaken for an outage.
 */
export function isUnreachable(error: unknown): boolean {
  if (error instanceof ApiException || !(error instanceof Error)) {
    return false
  }
  if (error.name === 'AbortError' || error.name === 'TimeoutError') {
    return true
  }
  // undici: TypeError("fetch failed") with the system error as cause.
  const cause = (error as { cause?: { code?: unknown } }).cause
  const code = (error as { code?: unknown }).code
  return (
    (error instanceof TypeError && error.message === 'fetch failed') ||
    typeof code === 'string' ||
    typeof cause?.code === 'string'
  )
}

/** The API server refused the portal's identity or its permissions. */
export function isDenied(error: unknown) {
  const status = apiStatus(error)
  return status === 401 || status === 403
}

/** An overloaded or failing API server: retry later rather than fail the environment. */
export function isServerTrouble(error: unknown) {
  const status = apiStatus(error) ?? 0
  return status === 429 || status >= 500
}

/**
 * @kubernetes/client-node's failures for the one translation
 * (driver_errors.ts): a refusal of the portal's identity or permissions in
 * `namespace`, or an overloaded API server, is unavailable (the portal
 * cannot act, the environment is not at fault); any other refusal is
 * failed, with Kubernetes' reason.
 */
export function kubernetesErrorReader(namespace: string): EngineErrorReader {
  return {
    refusalLog: 'Kubernetes API refusal',
    status: apiStatus,
    isUnreachable,
    describe: (error, status) => ({ kubernetes: { status, ...apiReason(error) } }),
    refusal(error, status, call) {
      if (status === 401) {
        return new ProvisioningUnavailableException(
          'The Kubernetes API server does not accept the portal’s credentials (401): check the token or service account',
          { cause: error }
        )
      }
      if (isDenied(error)) {
        return new ProvisioningUnavailableException(
          `The portal may not ${call.permission} in the Kubernetes namespace "${namespace}" (403): apply the RBAC of deploy/kubernetes/workloads-rbac.yaml`,
          { cause: error }
        )
      }
      if (isServerTrouble(error)) {
        return new ProvisioningUnavailableException(undefined, { cause: error })
      }
      const { reason, message } = apiReason(error)
      const words = [reason, message].filter(Boolean).join(': ').slice(0, 300)
      return new ProvisioningFailedException(words ? `${call.refused} (${words})` : call.refused, {
        cause: error,
      })
    },
  }
}
