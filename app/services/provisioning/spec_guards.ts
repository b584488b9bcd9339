import type { EnvironmentSpec } from '#services/provisioning/provisioning_driver'
import ProvisioningFailedException from '#exceptions/provisioning_failed_exception'

/**
 * Checks every driver makes before handing a spec to its engine, so that
 * no back end can run an environment as root or without limits.
 */

/** The POSIX identity to run as: the spec's, else the driver's default; root is refused. */
export function nonRootIdentity(spec: EnvironmentSpec, fallback: { uid: number; gid: number }) {
  const { uid, gid } = spec.runAs ?? fallback
  if (!Number.isSafeInteger(uid) || !Number.isSafeInteger(gid) || uid <= 0 || gid <= 0) {
    throw new ProvisioningFailedException(
      `Environments never run as root: uid ${uid} / gid ${gid} refused`
    )
  }
  return { uid, gid }
}

/** Every limit must be a whole, positive amount (storage and GPUs may be zero). */
export function assertResourceLimits({ resources }: EnvironmentSpec) {
  const { cpuMillicores, memoryBytes, storageBytes, gpus } = resources
  const valid =
    Number.isSafeInteger(cpuMillicores) &&
    cpuMillicores > 0 &&
    Number.isSafeInteger(memoryBytes) &&
    memoryBytes > 0 &&
    Number.isSafeInteger(storageBytes) &&
    storageBytes >= 0 &&
    Number.isSafeInteger(gpus) &&
    gpus >= 0
  if (!valid) {
    throw new ProvisioningFailedException('The environment has no valid resource limits')
  }
}
