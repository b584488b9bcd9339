import type { CommandOptions } from '@adonisjs/core/types/ace'
import CsvImportCommand from './_csv_import_command.js'
import ExperimentSessionService from '#services/experiments/experiment_session_service'
import RequestOrigin from '#services/request_origin'
import { sessionRowValidator } from '#validators/local_experiment'

/**
 * Creates or replaces sessions of local experiments from a CSV file,
 * keyed by (proposal_id, session_number); their mounts are checked as
 * they are stored. Re-importing the same file changes nothing.
 */
export default class ExperimentsImportSessions extends CsvImportCommand {
  static commandName = 'experiments:import-sessions'
  static description =
    'Create or replace sessions of local experiments from CSV (proposal_id,session_number,title,description,starts_at,ends_at,data_set_path)'
  static options: CommandOptions = { startApp: true }

  async run() {
    const sessions = await this.app.container.make(ExperimentSessionService)
    const origin = RequestOrigin.cli()
    await this.importFile({
      columns: [
        'proposal_id',
        'session_number',
        'title',
        'description',
        'starts_at',
        'ends_at',
        'data_set_path',
      ],
      validator: sessionRowValidator,
      apply: async (row) => {
        const { outcome } = await sessions.upsert(
          null,
          { proposalId: row.proposal_id },
          row.session_number,
          {
            title: row.title,
            description: row.description,
            startsAt: row.starts_at,
            endsAt: row.ends_at,
            dataSetPath: row.data_set_path,
          },
          origin
        )
        return outcome
      },
    })
  }
}
