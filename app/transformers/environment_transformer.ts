import type Environment from '#models/environment'
import { BaseTransformer } from '@adonisjs/core/transformers'

/**
 * An environment as its owner sees it. The secret and the engine's
 * internals (engine id, endpoint) are not part of it: access goes
 * through the access endpoint.
 */
export default class EnvironmentTransformer extends BaseTransformer<Environment> {
  toObject() {
    return {
      ...this.pick(this.resource, [
        'id',
        'name',
        'state',
        'driver',
        'imageId',
        'expiresAt',
        'createdAt',
        'updatedAt',
      ]),
      // A freshly created model has no value for columns it did not set.
      failureReason: this.resource.failureReason ?? null,
      lastActivityAt: this.resource.lastActivityAt ?? null,
      experimentId: this.resource.experimentId ?? null,
      sessionId: this.resource.sessionId ?? null,
      imageName: this.resource.$preloaded.image ? this.resource.image.name : null,
      protocol: this.resource.$preloaded.image ? this.resource.image.protocol : null,
      resources: {
        cpuMillicores: this.resource.cpuMillicores,
        memoryBytes: this.resource.memoryBytes,
        storageBytes: this.resource.storageBytes,
        gpus: this.resource.gpus,
      },
    }
  }
}
