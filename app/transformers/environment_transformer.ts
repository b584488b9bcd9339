import type Environment from '#models/environment'
import { ACCESS_PROTOCOLS, IMAGE_DRIVERS } from '#models/image'
import { ENVIRONMENT_STATES } from '#domain/environment_states'
import { BaseTransformer } from '@adonisjs/core/transformers'
import { computeFields, computeOf } from '#transformers/image_transformer'
import { defineFields, fieldNames, objectSchema, type FieldValues } from '#transformers/field_list'

/** Columns shown as they are stored. */
const columnFields = defineFields({
  id: { type: 'integer' },
  name: { type: 'string' },
  state: { type: 'string', enum: ENVIRONMENT_STATES },
  driver: { type: 'string', enum: IMAGE_DRIVERS },
  imageId: { type: 'integer' },
  expiresAt: { type: 'date-time' },
  createdAt: { type: 'date-time' },
  updatedAt: { type: 'date-time' },
})

export const environmentFields = defineFields({
  ...columnFields,
  failureReason: { type: 'string', nullable: true, description: 'Why it failed, for people' },
  lastActivityAt: {
    type: 'date-time',
    nullable: true,
    description:
      "The latest use the portal knows of: Guacamole's connection history, the web application's own activity (Jupyter's /api/status), access granted by the portal, the last start. Null before it first ran.",
  },
  experimentId: { type: 'integer', nullable: true },
  sessionId: { type: 'integer', nullable: true },
  imageName: { type: 'string', nullable: true },
  protocol: { type: 'string', nullable: true, enum: ACCESS_PROTOCOLS },
  resources: { type: 'object', schema: objectSchema(computeFields) },
})

/**
 * An environment as its owner sees it. The secret and the engine's
 * internals (engine id, endpoint) are not part of it: access goes
 * through the access endpoint.
 */
export default class EnvironmentTransformer extends BaseTransformer<Environment> {
  toObject(): FieldValues<typeof environmentFields> {
    const image = this.resource.$preloaded.image ? this.resource.image : null
    return {
      ...this.pick(this.resource, fieldNames(columnFields)),
      // A freshly created model has no value for columns it did not set.
      failureReason: this.resource.failureReason ?? null,
      lastActivityAt: this.resource.lastActivityAt ?? null,
      experimentId: this.resource.experimentId ?? null,
      sessionId: this.resource.sessionId ?? null,
      imageName: image ? image.name : null,
      protocol: image ? image.protocol : null,
      resources: computeOf(this.resource),
    }
  }
}
