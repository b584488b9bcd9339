import ExperimentTransformer, { experimentFields } from '#transformers/experiment_transformer'
import ExperimentSessionTransformer from '#transformers/experiment_session_transformer'
import ExperimentMemberTransformer from '#transformers/experiment_member_transformer'
import { defineFields, type FieldValues } from '#transformers/field_list'

const posixId = { type: 'integer', nullable: true, schema: { minimum: 1 } } as const

export const adminExperimentFields = defineFields({
  ...experimentFields,
  sessions: { ...experimentFields.sessions, optional: false },
  posixUid: posixId,
  posixGid: posixId,
  members: { type: 'array', schema: { items: { $ref: '#/components/schemas/ExperimentMember' } } },
})

/**
 * An experiment as admins manage it: what members see, plus the POSIX
 * identity and the members. Sessions and members must be loaded.
 */
export default class AdminExperimentTransformer extends ExperimentTransformer {
  toObject(): FieldValues<typeof adminExperimentFields> {
    return {
      ...super.toObject(),
      sessions: ExperimentSessionTransformer.transform(this.resource.sessions),
      posixUid: this.resource.posixUid,
      posixGid: this.resource.posixGid,
      members: ExperimentMemberTransformer.transform(this.resource.members),
    }
  }
}
