import { createHash } from 'node:crypto'
import experimentsConfig from '#config/experiments'
import type ExperimentSession from '#models/experiment_session'
import { confineMounts, type StoredMountCheck } from '#domain/dataset_mounts'

/**
 * Bumped when the meaning of `data_set_path` changes, so that checks
 * stored under the old meaning are not shown as current.
 * 2: `bind` is a sub-path of its mode's container root (CalipsoPlus).
 * 3: the folders above a mount must be owned by a trusted owner and writable by nobody else.
 */
const MOUNT_RULES_VERSION = 3

/** Which rules and settings a check was made under: the version and the site's mount policy. */
export const mountRulesKey = createHash('sha256')
  .update(JSON.stringify([MOUNT_RULES_VERSION, experimentsConfig.mountPolicy]))
  .digest('base64url')
  .slice(0, 16)

export type { StoredMountCheck } from '#domain/dataset_mounts'

/**
 * Parses and confines a session's data_set_path with the site's mount
 * policy. Stored with the session so the API can show what is mountable
 * and why not; checked again at launch (the file system may change).
 */
export async function checkSessionMounts(dataSetPath: unknown): Promise<StoredMountCheck> {
  return {
    ...(await confineMounts(dataSetPath, experimentsConfig.mountPolicy)),
    rules: mountRulesKey,
  }
}

/**
 * Replaces, in memory, the stored checks that were made under other rules
 * or settings (an upgrade, a changed root) with fresh ones, so that what
 * is shown matches what a launch would mount. Reads stay reads: the next
 * sync (User Office sessions) or edit (local ones) stores the new check.
 */
export async function refreshStaleMountChecks(sessions: ExperimentSession[]) {
  for (const session of sessions) {
    if (session.mounts?.rules !== mountRulesKey) {
      session.mounts = await checkSessionMounts(session.dataSetPath)
    }
  }
}
