import { DateTime } from 'luxon'
import { inject } from '@adonisjs/core'
import type { QueryClientContract, TransactionClientContract } from '@adonisjs/lucid/types/database'
import EnvironmentEvent from '#models/environment_event'
import { toSqlTimestamp } from '#models/millisecond_timestamp'
import type { EnvironmentState } from '#domain/environment_states'
import { signalEntry } from '#services/environments/journal_signals'

/** How much of a message the journal keeps (its column's length). */
const MESSAGE_LENGTH = 500

/** One entry of the journal: a progress step, or a transition with the state it entered. */
export type JournalEntry = { step: string; message: string; state?: EnvironmentState | null }

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
      {
        environmentId,
        step,
        message: message.slice(0, MESSAGE_LENGTH),
        state,
        occurredAt: DateTime.utc(),
      },
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

  /**
   * Several entries in one statement, in their order (a transition with the
   * steps reached on the way): one round trip inside the transition's commit.
   */
  async recordAll(environmentId: number, entries: JournalEntry[], trx: TransactionClientContract) {
    const occurredAt = toSqlTimestamp(DateTime.utc())
    await trx.table(EnvironmentEvent.table).multiInsert(
      entries.map((entry) => ({
        environment_id: environmentId,
        step: entry.step,
        message: entry.message.slice(0, MESSAGE_LENGTH),
        state: entry.state ?? null,
        occurred_at: occurredAt,
      }))
    )
    trx.after('commit', () => signalEntry(environmentId))
  }

  /** Events after `afterId`, oldest first. */
  since(environmentId: number, afterId: number) {
    return EnvironmentEvent.query()
      .where('environment_id', environmentId)
      .where('id', '>', afterId)
      .orderBy('id', 'asc')
  }
}
