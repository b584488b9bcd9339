import { DateTime } from 'luxon'
import { flags } from '@adonisjs/core/ace'
import AdminCommand from './_admin_command.js'
import { bytesText, cpuText } from './_resource_text.js'
import Image from '#models/image'
import { adminEnvironmentValues } from '#transformers/admin_environment_transformer'
import NotFoundException from '#exceptions/not_found_exception'
import { MAX_PER_PAGE } from '#validators/pagination'

/** A list's date (the API's text) as the table shows it: UTC, whole seconds. */
function utcText(value: DateTime | string) {
  const date = typeof value === 'string' ? DateTime.fromISO(value, { setZone: true }) : value
  return date.toUTC().toISO({ suppressMilliseconds: true }) ?? ''
}

/**
 * Lists everyone's environments with the filters of GET
 * /api/v1/admin/environments (removed ones only when asked for with
 * --state=removed), every page, as a table or as the endpoint's JSON.
 */
export default class EnvironmentsList extends AdminCommand {
  static commandName = 'environments:list'
  static description = "List everyone's environments (state, user, image, driver; --json)"

  @flags.string({
    description:
      'Only this state: provisioning, running, stopping, stopped, removing, removed, failed',
  })
  declare state?: string

  @flags.string({ description: "Only this user's (username)" })
  declare user?: string

  @flags.string({ description: 'Only of this image (id or name)' })
  declare image?: string

  @flags.string({ description: 'Only on this driver: docker or kubernetes' })
  declare driver?: string

  @flags.boolean({ description: 'Print the JSON the API returns ({"data": [...]})' })
  declare json?: boolean

  async run() {
    const { adminEnvironmentListValidator } = await import('#validators/admin_environment')
    const { default: AdminEnvironmentListing } =
      await import('#services/environments/admin_environment_listing')
    const filters = await adminEnvironmentListValidator.validate({
      state: this.state,
      driver: this.driver,
      userId: await this.userIdOf(this.user),
      imageId: await this.imageIdOf(this.image),
    })
    const listing = await this.app.container.make(AdminEnvironmentListing)
    const environments = await this.everyPage(async (page) => {
      const { rows, meta } = await listing.list({ ...filters, page, perPage: MAX_PER_PAGE })
      return { all: () => rows, lastPage: meta.lastPage ?? page }
    })

    if (this.json) {
      return this.printJson({
        data: environments.map((row) => adminEnvironmentValues(row, row.image, row.ownerUsername)),
      })
    }
    if (environments.length === 0) {
      this.logger.info('No environment matches')
      return
    }
    const table = this.ui.table()
    table.head([
      'id',
      'user',
      'name',
      'image',
      'state',
      'driver',
      'cpu',
      'memory',
      'created',
      'expires',
    ])
    for (const environment of environments) {
      table.row([
        String(environment.id),
        environment.ownerUsername ?? '',
        environment.name,
        environment.image?.name ?? '',
        environment.state,
        environment.driver,
        cpuText(environment.cpuMillicores),
        bytesText(environment.memoryBytes),
        utcText(environment.createdAt),
        utcText(environment.expiresAt),
      ])
    }
    table.render()
  }

  /** An image's id from its id (digits) or its unique name; undefined without one. */
  protected async imageIdOf(idOrName: string | undefined) {
    if (idOrName === undefined) {
      return undefined
    }
    const image = /^[0-9]+$/.test(idOrName)
      ? await Image.find(Number(idOrName))
      : await Image.findBy('name', idOrName)
    if (!image) {
      throw new NotFoundException(`Image "${idOrName}" not found`)
    }
    return image.id
  }
}
