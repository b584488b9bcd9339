import type Experiment from '#models/experiment'
import { BaseTransformer } from '@adonisjs/core/transformers'
import ExperimentSessionTransformer from '#transformers/experiment_session_transformer'
import { defineFields, fieldNames, type FieldValues } from '#transformers/field_list'

const columnFields = defineFields({
  id: { type: 'integer' },
  proposalId: { type: 'string' },
  title: { type: 'string' },
  abstract: { type: 'string', nullable: true },
  instrument: { type: 'string', nullable: true },
  source: { type: 'string', enum: ['useroffice', 'local'] },
  startsAt: { type: 'date-time', nullable: true, description: 'Start of the earliest session.' },
  lastSyncedAt: { type: 'date-time', nullable: true },
})

export const experimentFields = defineFields({
  ...columnFields,
  favorite: { type: 'boolean', description: "The caller's own favourite flag." },
  sessions: {
    type: 'array',
    optional: true,
    description: 'Present where the operation says so.',
    schema: { items: { $ref: '#/components/schemas/ExperimentSession' } },
  },
})

/**
 * An experiment as its members see it. `favorite` is the caller's own
 * flag (from their membership, loaded as the `favorite` extra); sessions
 * are included when loaded.
 */
export default class ExperimentTransformer extends BaseTransformer<Experiment> {
  toObject(): FieldValues<typeof experimentFields> {
    const summary = {
      ...this.pick(this.resource, fieldNames(columnFields)),
      favorite: Boolean(this.resource.$extras.favorite),
    }
    // Lists leave sessions out; the detail view preloads them.
    if (!this.resource.$preloaded.sessions) {
      return summary
    }
    return { ...summary, sessions: ExperimentSessionTransformer.transform(this.resource.sessions) }
  }
}
