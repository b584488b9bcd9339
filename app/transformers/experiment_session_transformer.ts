import type ExperimentSession from '#models/experiment_session'
import { BaseTransformer } from '@adonisjs/core/transformers'

/**
 * A beamtime session. Mounts show container paths and modes only: host
 * paths describe the facility's storage and stay server-side.
 */
export default class ExperimentSessionTransformer extends BaseTransformer<ExperimentSession> {
  toObject() {
    const { mounts, errors, launchable } = this.resource.mounts
    return {
      ...this.pick(this.resource, [
        'id',
        'sessionNumber',
        'title',
        'description',
        'startsAt',
        'endsAt',
      ]),
      launchable,
      mounts: mounts.map((mount) => ({ containerPath: mount.containerPath, mode: mount.mode })),
      mountErrors: errors.map((error) => ({
        code: error.code,
        containerPath: error.containerPath,
      })),
    }
  }
}
