import ImageTransformer, { imageFields } from '#transformers/image_transformer'
import { defineFields, fieldNames, type FieldValues } from '#transformers/field_list'
import { PULL_POLICIES } from '#domain/image_pull_policy'

/** What admins see of an image beyond the catalogue entry. */
const adminOnlyFields = defineFields({
  reference: {
    type: 'string',
    schema: { maxLength: 255, examples: ['registry.example.org/team/jupyter:2024.1'] },
  },
  environment: {
    type: 'object',
    description: 'Variables passed to the container; never PORTAL_* (the portal sets those).',
    schema: { additionalProperties: { type: 'string' } },
  },
  command: {
    type: 'array',
    nullable: true,
    description: "Overrides the image's command; null keeps the image's own.",
    schema: { items: { type: 'string', minLength: 1 } },
  },
  enabled: { type: 'boolean' },
  readOnlyRootFilesystem: {
    type: 'boolean',
    description: 'Containers run with a read-only root file system; /tmp is a scratch volume.',
  },
  pullPolicy: {
    type: 'string',
    enum: PULL_POLICIES,
    description:
      'When the engine pulls the image from its registry: "if-not-present" only when it does not have it, "always" at every launch.',
  },
  allowedRoles: {
    type: 'array',
    schema: { minItems: 1, items: { $ref: '#/components/schemas/Role' } },
  },
  createdAt: { type: 'date-time' },
  updatedAt: { type: 'date-time' },
})

export const adminImageFields = defineFields({ ...imageFields, ...adminOnlyFields })

/** An image as admins manage it: what users see, plus how it runs and who may launch it. */
export default class AdminImageTransformer extends ImageTransformer {
  toObject(): FieldValues<typeof adminImageFields> {
    return { ...super.toObject(), ...this.pick(this.resource, fieldNames(adminOnlyFields)) }
  }
}
