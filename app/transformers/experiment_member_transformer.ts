import type ExperimentMember from '#models/experiment_member'
import { BaseTransformer } from '@adonisjs/core/transformers'

/** A membership as admins see it; the "user" relation must be loaded. */
export default class ExperimentMemberTransformer extends BaseTransformer<ExperimentMember> {
  toObject() {
    return {
      userId: this.resource.userId,
      username: this.resource.user.username,
      role: this.resource.role,
      source: this.resource.source,
    }
  }
}
