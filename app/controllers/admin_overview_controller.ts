import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import AdminOverviewService from '#services/admin_overview_service'

/**
 * The live state of the facility, for the admin dashboard.
 */
export default class AdminOverviewController {
  @inject()
  async show(_ctx: HttpContext, overview: AdminOverviewService) {
    return { data: await overview.snapshot() }
  }
}
