import { randomUUID } from 'node:crypto'
import LinkResource from '#models/link_resource'

/**
 * A link resource straight in the database (no audit row), templated with
 * the proposal id by default: an e-logbook every scientist may open for
 * one of their experiments.
 */
export function createLink(fields: Partial<LinkResource> = {}) {
  return LinkResource.create({
    name: `Logbook ${randomUUID().slice(0, 8)}`,
    description: null,
    url: 'https://logbook.example.org/proposals/{proposal}/entries',
    proposalTemplate: true,
    requiresExperiment: true,
    enabled: true,
    allowedRoles: ['scientist'],
    ...fields,
  })
}
