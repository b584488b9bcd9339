import type LinkResource from '#models/link_resource'
import { BaseTransformer } from '@adonisjs/core/transformers'
import { defineFields, fieldNames, type FieldValues } from '#transformers/field_list'
import { linkOrigin } from '#domain/link_template'

export const linkFields = defineFields({
  id: { type: 'integer' },
  name: { type: 'string', schema: { maxLength: 100 } },
  description: { type: 'string', nullable: true },
  origin: {
    type: 'string',
    description:
      'Where the link leads (scheme, host and port); the full URL comes from opening it.',
    schema: { examples: ['https://logbook.example.org'] },
  },
  proposalTemplate: {
    type: 'boolean',
    description: 'The URL carries the proposal id of the experiment it is opened for.',
  },
  requiresExperiment: {
    type: 'boolean',
    description: 'Opened for one of the caller’s experiments (experimentId).',
  },
})

const COLUMNS = fieldNames(linkFields).filter(
  (name): name is Exclude<keyof typeof linkFields, 'origin'> => name !== 'origin'
)

/**
 * A link as users choose it: what it is and where it leads, not its URL
 * (that comes from opening it, which is audited) nor who else may open it.
 */
export default class LinkTransformer extends BaseTransformer<LinkResource> {
  toObject(): FieldValues<typeof linkFields> {
    return { ...this.pick(this.resource, COLUMNS), origin: linkOrigin(this.resource.url) }
  }
}
