import env from '#start/env'
import { isAbsolute, resolve } from 'node:path'
import { dataPath } from '#config/portal'
import { mountPolicyProblem, type MountPolicy, type MountPolicyField } from '#domain/dataset_mounts'

function hostRoot(value: string | undefined, fallback: string) {
  const path = value ?? fallback
  return isAbsolute(path) ? path : resolve(path)
}

/** "0,990": uids that may own the folders above a mount; root alone by default. */
function trustedOwners(value: string | undefined) {
  const owners = (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
  for (const owner of owners) {
    if (!/^\d{1,10}$/.test(owner) || Number(owner) > 4_294_967_294) {
      throw new Error(
        `Invalid environment variable "MOUNT_TRUSTED_OWNERS": "${owner}" is not a uid (a comma-separated list of numbers)`
      )
    }
  }
  return [0, ...owners.map(Number)]
}

/** The variable behind each setting of the mount policy, for boot errors. */
const MOUNT_VARIABLES: Record<MountPolicyField, string> = {
  'datasetsRoot': 'DATASETS_ROOT',
  'outputRoot': 'OUTPUT_ROOT',
  'containerRoots.ro': 'MOUNT_CONTAINER_RO_ROOT',
  'containerRoots.rw': 'MOUNT_CONTAINER_RW_ROOT',
}

/**
 * The plural lists are gone: a bind is now a sub-path of one mount point
 * per mode, so a list would make every bind ambiguous. Refused rather
 * than ignored, so an old setting cannot silently move mounts.
 */
for (const [removed, replacement] of [
  ['MOUNT_CONTAINER_RO_ROOTS', 'MOUNT_CONTAINER_RO_ROOT'],
  ['MOUNT_CONTAINER_RW_ROOTS', 'MOUNT_CONTAINER_RW_ROOT'],
] as const) {
  if (env.get(removed) !== undefined) {
    throw new Error(
      `Environment variable "${removed}" is no longer read: set ${replacement} to the one container folder these mounts go below (a session's "bind" is a sub-path of it, as in CalipsoPlus) and remove ${removed}`
    )
  }
}

/**
 * Host paths the User Office (or an admin) names are only mounted when
 * they resolve inside these roots: datasets read-only, output read-write.
 * Inside the container each mount lands on its mode's mount point joined
 * with its bind.
 */
const mountPolicy: MountPolicy = {
  datasetsRoot: hostRoot(env.get('DATASETS_ROOT'), dataPath('datasets')),
  outputRoot: hostRoot(env.get('OUTPUT_ROOT'), dataPath('output')),
  containerRoots: {
    ro: env.get('MOUNT_CONTAINER_RO_ROOT', '/data'),
    rw: env.get('MOUNT_CONTAINER_RW_ROOT', '/output'),
  },
  trustedOwners: trustedOwners(env.get('MOUNT_TRUSTED_OWNERS')),
}

// At boot rather than at the first sync, which would otherwise answer 500.
const problem = mountPolicyProblem(mountPolicy, (field) => MOUNT_VARIABLES[field])
if (problem) {
  const { datasetsRoot, outputRoot, containerRoots } = mountPolicy
  const values = {
    'datasetsRoot': datasetsRoot,
    'outputRoot': outputRoot,
    'containerRoots.ro': containerRoots.ro,
    'containerRoots.rw': containerRoots.rw,
  }
  throw new Error(
    `Invalid environment variable "${MOUNT_VARIABLES[problem.field]}": ${problem.reason} (it is ${JSON.stringify(values[problem.field])})`
  )
}

/**
 * Experiments and the data their environments may mount.
 */
const experimentsConfig = {
  mountPolicy,

  /**
   * A launch or a start on an experiment re-syncs the user's memberships
   * first when they are older than this (0: always).
   */
  launchMembershipMaxAgeMs: env.get('LAUNCH_MEMBERSHIP_MAX_AGE_MINUTES', 5) * 60_000,
  /** A user's experiments are re-synced when read after this long. */
  syncMaxAgeMs: env.get('EXPERIMENTS_SYNC_MAX_AGE_MINUTES', 15) * 60_000,
  /** Page size asked of the User Office, and a bound on the pages followed. */
  syncPageSize: env.get('EXPERIMENTS_SYNC_PAGE_SIZE', 100),
  syncMaxPages: env.get('EXPERIMENTS_SYNC_MAX_PAGES', 1000),
}

export default experimentsConfig
