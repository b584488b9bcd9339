import type { CommandOptions } from '@adonisjs/core/types/ace'
import CsvImportCommand from './_csv_import_command.js'
import ExperimentMemberService from '#services/experiments/experiment_member_service'
import RequestOrigin from '#services/request_origin'
import { memberRowValidator } from '#validators/local_experiment'

/**
 * Adds existing portal users to local experiments from a CSV file (an
 * empty role means "member"). A user is named by `user_id`, or by
 * `username` for accounts whose name the portal or the User Office gave
 * (never a federated account: its IdP chose that name). Re-importing the
 * same file changes nothing.
 */
export default class ExperimentsImportMembers extends CsvImportCommand {
  static commandName = 'experiments:import-members'
  static description = 'Add users to local experiments from CSV (proposal_id,username|user_id,role)'
  static options: CommandOptions = { startApp: true }

  async run() {
    const members = await this.app.container.make(ExperimentMemberService)
    const origin = RequestOrigin.cli()
    await this.importFile({
      columns: ['proposal_id', ['username', 'user_id'], 'role'],
      validator: memberRowValidator,
      apply: async (row) => {
        const { outcome } = await members.add(
          null,
          { proposalId: row.proposal_id },
          row.user_id === undefined ? { username: row.username! } : { id: row.user_id },
          row.role ?? 'member',
          origin
        )
        return outcome
      },
    })
  }
}
