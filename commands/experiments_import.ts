import type { CommandOptions } from '@adonisjs/core/types/ace'
import CsvImportCommand from './_csv_import_command.js'
import LocalExperimentService from '#services/experiments/local_experiment_service'
import RequestOrigin from '#services/request_origin'
import { experimentRowValidator } from '#validators/local_experiment'

/**
 * Creates or updates local experiments from a CSV file, keyed by
 * proposal_id. Re-importing the same file changes nothing.
 */
export default class ExperimentsImport extends CsvImportCommand {
  static commandName = 'experiments:import'
  static description =
    'Create or update local experiments from CSV (proposal_id,title,abstract,instrument,posix_uid,posix_gid)'
  static options: CommandOptions = { startApp: true }

  async run() {
    const experiments = await this.app.container.make(LocalExperimentService)
    const origin = RequestOrigin.cli()
    await this.importFile({
      columns: ['proposal_id', 'title', 'abstract', 'instrument', 'posix_uid', 'posix_gid'],
      validator: experimentRowValidator,
      apply: (row) =>
        experiments.upsert(
          null,
          {
            proposalId: row.proposal_id,
            title: row.title,
            abstract: row.abstract,
            instrument: row.instrument,
            posixUid: row.posix_uid,
            posixGid: row.posix_gid,
          },
          origin
        ),
    })
  }
}
