import { PassThrough } from 'node:stream'
import { inject } from '@adonisjs/core'
import Environment from '#models/environment'
import EnvironmentJournal from '#services/environments/environment_journal'
import { SETTLED, type EnvironmentState } from '#domain/environment_states'
import gracefulShutdown from '#services/graceful_shutdown'
import { JournalWatch } from '#services/environments/journal_signals'

const POLL_MS = 400
const KEEP_ALIVE_MS = 15_000
const MAX_STREAM_MS = 15 * 60_000

/**
 * Server-sent events of an environment's progress, in the spirit of
 * JupyterHub's progress stream: one `progress` event per step (resumable
 * with Last-Event-ID), keep-alive comments, and a final `ready` (with the
 * environment running) or `failed`/`stopped`/`removed` event, then the end.
 * Events are read from the database, so any portal process can serve them.
 */
@inject()
export default class EnvironmentProgressStream {
  constructor(protected journal: EnvironmentJournal) {}

  /**
   * `stateRead`: the environment's state as the caller read it just now
   * (before the stream's first read of the journal), which spares the
   * stream its own first read of the row when the journal agrees.
   */
  open(environmentId: number, lastEventId: number, stateRead?: EnvironmentState) {
    const stream = new PassThrough()
    let closed = false
    stream.on('close', () => (closed = true))
    const write = (chunk: string) => {
      if (!closed) {
        stream.write(chunk)
      }
    }

    // Watched before the first read: an entry written while the stream reads is not missed.
    const watch = new JournalWatch(environmentId)
    void (async () => {
      const startedAt = Date.now()
      let lastWrite = Date.now()
      let cursor = lastEventId
      write('retry: 2000\n\n')
      // The state the journal last recorded: every state change is journaled in its commit.
      let journaledState: string | null = null
      // A process shutting down ends its streams; browsers resume them elsewhere (Last-Event-ID).
      const sendEvents = async () => {
        const events = await this.journal.since(environmentId, cursor)
        for (const event of events) {
          cursor = event.id
          journaledState = event.state ?? journaledState
          write(
            `id: ${event.id}\nevent: progress\ndata: ${JSON.stringify({
              step: event.step,
              message: event.message,
              state: event.state,
              at: event.occurredAt.toISO(),
            })}\n\n`
          )
          lastWrite = Date.now()
        }
        return events
      }
      const end = (state: EnvironmentState | 'removed', failureReason: string | null) => {
        const name = state === 'running' ? 'ready' : state
        write(`event: ${name}\ndata: ${JSON.stringify({ state, failureReason })}\n\n`)
      }
      let rowRead = false
      while (!closed && !gracefulShutdown.draining && Date.now() - startedAt < MAX_STREAM_MS) {
        const events = await sendEvents()
        // "Running" read from the journal ends the stream at once: its entry is the
        // transition's last, and a running environment has no failure reason to show.
        if (journaledState === 'running') {
          end('running', null)
          break
        }
        // Progress steps alone (no state among them) leave the row as it was last read: a
        // transition's own entry comes with it, and is read at the next wake or poll.
        if (rowRead && events.length > 0 && events.every((event) => !event.state)) {
          await watch.next(POLL_MS)
          continue
        }
        // The caller's row stands for a read now when the journal's last state is still its
        // state (no transition came in between) and that state is not a settled one: any
        // later transition is journaled, and the next wake or poll reads it.
        const known = rowRead ? undefined : stateRead
        rowRead = true
        if (known && !SETTLED.includes(known) && journaledState === known) {
          await watch.next(POLL_MS)
          continue
        }
        const environment = await Environment.find(environmentId)
        if (!environment || SETTLED.includes(environment.state)) {
          // The entries of the last transition are written just after its state: read once more.
          await sendEvents()
          end(environment?.state ?? 'removed', environment?.failureReason ?? null)
          break
        }
        if (Date.now() - lastWrite > KEEP_ALIVE_MS) {
          write(': keep-alive\n\n')
          lastWrite = Date.now()
        }
        // Woken early by an entry this process writes (journal_signals.ts).
        await watch.next(POLL_MS)
      }
      stream.end()
    })()
      .catch(() => stream.end())
      .finally(() => watch.close())

    return stream
  }
}
