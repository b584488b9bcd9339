import { randomUUID } from 'node:crypto'
import factory from '@adonisjs/lucid/factories'
import Experiment from '#models/experiment'
import ExperimentMember from '#models/experiment_member'
import ExperimentSession from '#models/experiment_session'
import type User from '#models/user'

export const ExperimentSessionFactory = factory
  .define(ExperimentSession, () => ({
    sessionNumber: '1',
    title: null,
    description: null,
    dataSetPath: null,
    // No data folders: launchable, nothing mounted.
    mounts: { mounts: [], errors: [], launchable: true },
  }))
  .build()

export const ExperimentMemberFactory = factory
  .define(ExperimentMember, () => ({
    role: 'member',
    favorite: false,
    source: 'local' as const,
  }))
  .build()

/** A local proposal with a unique id, no members and no sessions. */
export const ExperimentFactory = factory
  .define(Experiment, ({ faker }) => ({
    proposalId: `P-${randomUUID().slice(0, 8)}`,
    title: faker.lorem.sentence({ min: 3, max: 6 }),
    source: 'local' as const,
  }))
  .relation('members', () => ExperimentMemberFactory)
  .relation('sessions', () => ExperimentSessionFactory)
  .build()

/**
 * A saved experiment whose members are the given users (as the membership
 * source says), with one session per given number.
 */
export async function createExperiment(
  options: {
    members?: User[]
    sessions?: string[]
    memberSource?: ExperimentMember['source']
    fields?: Partial<Experiment>
  } = {}
) {
  const experiment = await ExperimentFactory.merge(options.fields ?? {}).create()
  for (const user of options.members ?? []) {
    await ExperimentMemberFactory.merge({
      experimentId: experiment.id,
      userId: user.id,
      source: options.memberSource ?? experiment.source,
    }).create()
  }
  for (const sessionNumber of options.sessions ?? []) {
    await ExperimentSessionFactory.merge({ experimentId: experiment.id, sessionNumber }).create()
  }
  return experiment
}
