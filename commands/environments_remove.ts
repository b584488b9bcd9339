import EnvironmentActionCommand from './_environment_action_command.js'
import type EnvironmentService from '#services/environments/environment_service'

/**
 * Removes anyone's environment (running, stopped or failed), as DELETE
 * /api/v1/admin/environments/:id does. A removal the engine refused stays
 * "removing" and the reconciler retries it.
 */
export default class EnvironmentsRemove extends EnvironmentActionCommand {
  static commandName = 'environments:remove'
  static description = "Remove an environment (anyone's) and wait for the engine"

  protected done = 'removed' as const

  protected act(environments: EnvironmentService, id: number) {
    return environments.remove(this.operator, id, 'admin', this.origin)
  }
}
