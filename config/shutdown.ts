import env from '#start/env'

const timeoutSeconds = env.get('SHUTDOWN_TIMEOUT', 25)
const delaySeconds = env.get('SHUTDOWN_DELAY', 0)

if (!(timeoutSeconds > 0)) {
  throw new Error('Invalid environment variable "SHUTDOWN_TIMEOUT": must be more than 0 seconds')
}
// Requests and engine work need the rest of the time to finish.
if (!(delaySeconds >= 0 && delaySeconds < timeoutSeconds / 2)) {
  throw new Error(
    'Invalid environment variable "SHUTDOWN_DELAY": must be 0 or more and less than half of SHUTDOWN_TIMEOUT'
  )
}

/**
 * Graceful shutdown on SIGTERM/SIGINT (docs/deployment.md, "Shutdown and
 * replicas").
 */
const shutdownConfig = {
  /**
   * The whole shutdown stays within this; the default stays below the 30 s
   * Kubernetes waits before it kills a pod.
   */
  timeoutMs: timeoutSeconds * 1000,
  /**
   * How long the listener stays open after the signal, readiness already
   * failing, so load balancers move traffic away before connections are refused.
   */
  delayMs: delaySeconds * 1000,
  /**
   * Engine work and requests still running this long before the bound are
   * interrupted, leaving time to clean up after them.
   */
  get interruptMs() {
    return this.timeoutMs - Math.min(5000, this.timeoutMs / 2)
  },
}

export default shutdownConfig
