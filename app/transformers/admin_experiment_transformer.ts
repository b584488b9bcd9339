import ExperimentTransformer from '#transformers/experiment_transformer'
import ExperimentMemberTransformer from '#transformers/experiment_member_transformer'

/**
 * An experiment as admins manage it: what members see, plus the POSIX
 * identity and the members. Sessions and members must be loaded.
 */
export default class AdminExperimentTransformer extends ExperimentTransformer {
  toObject() {
    return {
      ...super.toObject(),
      posixUid: this.resource.posixUid,
      posixGid: this.resource.posixGid,
      members: ExperimentMemberTransformer.transform(this.resource.members),
    }
  }
}
