import { args } from '@adonisjs/core/ace'
import vine from '@vinejs/vine'
import AdminCommand from './_admin_command.js'
import type Environment from '#models/environment'
import type EnvironmentService from '#services/environments/environment_service'
import type { EnvironmentState } from '#domain/environment_states'
import NotFoundException from '#exceptions/not_found_exception'

const idValidator = vine.create({ id: vine.number().withoutDecimals().positive() })

/**
 * What environments:stop and environments:remove share: the admin
 * endpoint's guarded transition (audited with the owner), then the engine
 * work, which runs in this process and so is waited for, and the state it
 * ended in. Exit code 1 when the engine did not get there.
 */
export default abstract class EnvironmentActionCommand extends AdminCommand {
  @args.string({ description: 'Environment id' })
  declare id: string

  /** The state the action ends in when the engine did its part. */
  protected abstract done: EnvironmentState

  protected abstract act(environments: EnvironmentService, id: number): Promise<Environment>

  async run() {
    const { default: Environments } = await import('#services/environments/environment_service')
    const { default: EnvironmentProvisioner } =
      await import('#services/environments/environment_provisioner')
    const { id } = await idValidator.validate({ id: this.id })
    const environments = await this.app.container.make(Environments)
    const environment = await this.act(environments, id).catch((error) => {
      // The API's 404 names nothing; here the operator typed an id.
      throw error instanceof NotFoundException
        ? new NotFoundException(`Environment ${id} not found`)
        : error
    })
    await EnvironmentProvisioner.settle()
    await environment.refresh()

    const which = `Environment ${environment.id} ("${environment.name}" of ${environment.user.username})`
    if (environment.state === this.done) {
      this.logger.success(`${which} is ${environment.state}`)
      return
    }
    const reason = environment.failureReason ? `: ${environment.failureReason}` : ''
    this.logger.error(`${which} is ${environment.state}, not ${this.done}${reason}`)
    this.exitCode = 1
  }
}
