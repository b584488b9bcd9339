import type ExperimentMember from '#models/experiment_member'
import { BaseTransformer } from '@adonisjs/core/transformers'
import { defineFields, type FieldValues } from '#transformers/field_list'

export const experimentMemberFields = defineFields({
  userId: { type: 'integer' },
  username: { type: 'string' },
  role: { type: 'string', schema: { maxLength: 32, examples: ['member'] } },
  source: { type: 'string', enum: ['useroffice', 'local'] },
})

/** A membership as admins see it; the "user" relation must be loaded. */
export default class ExperimentMemberTransformer extends BaseTransformer<ExperimentMember> {
  toObject(): FieldValues<typeof experimentMemberFields> {
    return {
      userId: this.resource.userId,
      username: this.resource.user.username,
      role: this.resource.role,
      source: this.resource.source,
    }
  }
}
