import EnvironmentActionCommand from './_environment_action_command.js'
import type EnvironmentService from '#services/environments/environment_service'

/** Stops anyone's running environment, as POST /api/v1/admin/environments/:id/stop does. */
export default class EnvironmentsStop extends EnvironmentActionCommand {
  static commandName = 'environments:stop'
  static description = "Stop a running environment (anyone's) and wait for the engine"

  protected done = 'stopped' as const

  protected act(environments: EnvironmentService, id: number) {
    return environments.stop(this.operator, id, 'admin', this.origin)
  }
}
