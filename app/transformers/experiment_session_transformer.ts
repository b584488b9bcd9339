import type ExperimentSession from '#models/experiment_session'
import { BaseTransformer } from '@adonisjs/core/transformers'
import { defineFields, fieldNames, type FieldValues } from '#transformers/field_list'

const columnFields = defineFields({
  id: { type: 'integer' },
  sessionNumber: { type: 'string' },
  title: { type: 'string', nullable: true },
  description: { type: 'string', nullable: true },
  startsAt: { type: 'date-time', nullable: true },
  endsAt: { type: 'date-time', nullable: true },
})

export const experimentSessionFields = defineFields({
  ...columnFields,
  launchable: {
    type: 'boolean',
    description: 'Whether every requested mount passed the checks (mountErrors is empty).',
  },
  mounts: {
    type: 'array',
    schema: {
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['containerPath', 'mode'],
        properties: {
          containerPath: {
            type: 'string',
            description:
              'Where the data appears in the environment: the container root of the mode (MOUNT_CONTAINER_RO_ROOT or MOUNT_CONTAINER_RW_ROOT) joined with the bind.',
            examples: ['/data/2019001'],
          },
          mode: { type: 'string', enum: ['ro', 'rw'] },
        },
      },
    },
  },
  mountErrors: {
    type: 'array',
    schema: {
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['code', 'containerPath'],
        properties: {
          code: { type: 'string', pattern: '^E_MOUNT_[A-Z_]+$' },
          containerPath: {
            type: ['string', 'null'],
            description:
              'The joined container path when it could be computed, else the bind as sent (null when there was no bind string, or the error concerns the whole value).',
          },
        },
      },
    },
  },
})

/**
 * A beamtime session. Mounts show container paths and modes only: host
 * paths describe the facility's storage and stay server-side.
 */
export default class ExperimentSessionTransformer extends BaseTransformer<ExperimentSession> {
  toObject(): FieldValues<typeof experimentSessionFields> {
    const { mounts, errors, launchable } = this.resource.mounts
    return {
      ...this.pick(this.resource, fieldNames(columnFields)),
      launchable,
      mounts: mounts.map((mount) => ({ containerPath: mount.containerPath, mode: mount.mode })),
      mountErrors: errors.map((error) => ({
        code: error.code,
        containerPath: error.containerPath,
      })),
    }
  }
}
