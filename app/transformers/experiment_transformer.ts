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

const COLUMNS = fieldNames(columnFields)

/**
 * What an experiment in a list shows: its columns, from the model or from
 * a list's row (whose dates are already the API's text).
 */
export type ExperimentColumns = FieldValues<typeof columnFields>

/** An experiment without its sessions, as lists show it; `favorite` is the caller's own flag. */
export function experimentSummary(experiment: ExperimentColumns, favorite: unknown) {
  const summary = {} as Record<(typeof COLUMNS)[number], unknown>
  for (const name of COLUMNS) {
    summary[name] = experiment[name]
  }
  return {
    ...(summary as ExperimentColumns),
    favorite: Boolean(favorite),
  } satisfies FieldValues<typeof experimentFields>
}

/**
 * An experiment as its members see it. `favorite` is the caller's own
 * flag (from their membership, loaded as the `favorite` extra); sessions
 * are included when loaded.
 */
export default class ExperimentTransformer extends BaseTransformer<Experiment> {
  toObject(): FieldValues<typeof experimentFields> {
    const summary = experimentSummary(this.resource, this.resource.$extras.favorite)
    // Lists leave sessions out; the detail view preloads them.
    if (!this.resource.$preloaded.sessions) {
      return summary
    }
    return { ...summary, sessions: ExperimentSessionTransformer.transform(this.resource.sessions) }
  }
}
