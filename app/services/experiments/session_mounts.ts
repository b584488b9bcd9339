import experimentsConfig from '#config/experiments'
import { confineMounts, type MountCheck } from '#services/experiments/dataset_mounts'

/**
 * Parses and confines a session's data_set_path with the site's mount
 * policy. Stored with the session so the API can show what is mountable
 * and why not; checked again at launch (the file system may change).
 */
export function checkSessionMounts(dataSetPath: unknown): Promise<MountCheck> {
  return confineMounts(dataSetPath, experimentsConfig.mountPolicy)
}
