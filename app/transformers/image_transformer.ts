import type Image from '#models/image'
import { BaseTransformer } from '@adonisjs/core/transformers'

/**
 * An image as users choose it from the catalogue: what it offers and the
 * resources it gets, never how it is run (reference, environment, command)
 * nor who else may use it.
 */
export default class ImageTransformer extends BaseTransformer<Image> {
  toObject() {
    return {
      ...this.pick(this.resource, [
        'id',
        'name',
        'description',
        'driver',
        'protocol',
        'port',
        'requiresExperiment',
        'lifetimeHours',
        'idleLimitMinutes',
      ]),
      resources: {
        cpuMillicores: this.resource.cpuMillicores,
        memoryBytes: this.resource.memoryBytes,
        storageBytes: this.resource.storageBytes,
        gpus: this.resource.gpus,
      },
    }
  }
}
