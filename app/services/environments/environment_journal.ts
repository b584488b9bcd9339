import { DateTime } from 'luxon'
import { inject } from '@adonisjs/core'
import type { QueryClientContract, TransactionClientContract } from '@adonisjs/lucid/types/database'
import EnvironmentEvent from '#models/environment_event'
import type { EnvironmentState } from '#domain/environment_states'
import { signalEntry } from '#services/environments/journal_signals'

/**
 * Writes an environment's progress steps and state transitions: what the
 * progress stream shows, and what usage accounting reads.
 */
@inject()
export default class EnvironmentJournal {
  async record(
    environmentId: number,
    step: string,
    message: string,
    state: EnvironmentState | null = null,
    client?: QueryClientContract
  ) {
    const entry = await EnvironmentEvent.create(
      { environmentId, step, message: message.slice(0, 500), state, occurredAt: DateTime.utc() },
      { client }
    )
    // A stream woken before the commit would not see the entry yet, and sleep on.
    if (client?.isTransaction) {
      ;(client as TransactionClientContract).after('commit', () => signalEntry(environmentId))
    } else {
      signalEntry(environmentId)
    }
    return entry
  }

  /** Events after `afterId`, oldest first. */
  since(environmentId: number, afterId: number) {
    return EnvironmentEvent.query()
      .where('environment_id', environmentId)
      .where('id', '>', afterId)
      .orderBy('id', 'asc')
  }
}
