import LinkTransformer, { linkFields } from '#transformers/link_transformer'
import { defineFields, fieldNames, type FieldValues } from '#transformers/field_list'
import { MAX_LINK_URL_LENGTH } from '#domain/link_template'

/** What admins see of a link beyond the catalogue entry. */
const adminOnlyFields = defineFields({
  url: {
    type: 'string',
    description: 'The URL, or with proposalTemplate the template holding "{proposal}".',
    schema: {
      maxLength: MAX_LINK_URL_LENGTH,
      examples: ['https://logbook.example.org/proposals/{proposal}/entries'],
    },
  },
  enabled: { type: 'boolean' },
  allowedRoles: {
    type: 'array',
    schema: { minItems: 1, items: { $ref: '#/components/schemas/Role' } },
  },
  createdAt: { type: 'date-time' },
  updatedAt: { type: 'date-time' },
})

export const adminLinkFields = defineFields({ ...linkFields, ...adminOnlyFields })

/** A link as admins manage it: what users see, plus its URL and who may open it. */
export default class AdminLinkTransformer extends LinkTransformer {
  toObject(): FieldValues<typeof adminLinkFields> {
    return { ...super.toObject(), ...this.pick(this.resource, fieldNames(adminOnlyFields)) }
  }
}
