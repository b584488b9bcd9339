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
    return {
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
      sessions: this.whenLoaded(
        this.resource.$preloaded.sessions
          ? ExperimentSessionTransformer.transform(this.resource.sessions)
          : undefined
      ),
    }
  }
}
