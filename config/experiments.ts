import env from '#start/env'
import { isAbsolute, resolve } from 'node:path'
import { dataPath } from '#config/portal'
import type { MountPolicy } from '#services/experiments/dataset_mounts'

function csv(value: string) {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
}

function hostRoot(value: string | undefined, fallback: string) {
  const path = value ?? fallback
  return isAbsolute(path) ? path : resolve(path)
}

/**
 * Experiments and the data their environments may mount.
 */
const experimentsConfig = {
  /**
   * Host paths the User Office (or an admin) names are only mounted when
   * they resolve inside these roots: datasets read-only, output read-write;
   * inside the container, only under the configured mount points.
   */
  mountPolicy: {
    datasetsRoot: hostRoot(env.get('DATASETS_ROOT'), dataPath('datasets')),
    outputRoot: hostRoot(env.get('OUTPUT_ROOT'), dataPath('output')),
    containerRoots: {
      ro: csv(env.get('MOUNT_CONTAINER_RO_ROOTS', '/data')),
      rw: csv(env.get('MOUNT_CONTAINER_RW_ROOTS', '/output')),
    },
  } satisfies MountPolicy,

  /** A user's experiments are re-synced when read after this long. */
  syncMaxAgeMs: env.get('EXPERIMENTS_SYNC_MAX_AGE_MINUTES', 15) * 60_000,
  /** Page size asked of the User Office, and a bound on the pages followed. */
  syncPageSize: env.get('EXPERIMENTS_SYNC_PAGE_SIZE', 100),
  syncMaxPages: env.get('EXPERIMENTS_SYNC_MAX_PAGES', 1000),
}

export default experimentsConfig
