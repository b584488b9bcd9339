import type Experiment from '#models/experiment'
import { BaseTransformer } from '@adonisjs/core/transformers'
import ExperimentSessionTransformer from '#transformers/experiment_session_transformer'

/**
 * An experiment as its members see it. `favorite` is the caller's own
 * flag (from their membership, loaded as the `favorite` extra); sessions
 * are included when loaded.
 */
export default class ExperimentTransformer extends BaseTransformer<Experiment> {
  toObject() {
    const summary = {
      ...this.pick(this.resource, [
        'id',
        'proposalId',
        'title',
        'abstract',
        'instrument',
        'source',
        'startsAt',
        'lastSyncedAt',
      ]),
      favorite: Boolean(this.resource.$extras.favorite),
    }
    // Lists leave sessions out; the detail view preloads them.
    if (!this.resource.$preloaded.sessions) {
      return summary
    }
    return { ...summary, sessions: ExperimentSessionTransformer.transform(this.resource.sessions) }
  }
}
