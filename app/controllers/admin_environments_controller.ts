import type { HttpContext } from '@adonisjs/core/http'
import EnvironmentsController from '#controllers/environments_controller'
import AdminEnvironmentTransformer, {
  adminEnvironmentValues,
} from '#transformers/admin_environment_transformer'
import AdminEnvironmentListing from '#services/environments/admin_environment_listing'
import { adminEnvironmentListValidator } from '#validators/admin_environment'

/**
 * Admins' actions on anyone's environment: the owner's actions (stop,
 * destroy, extend are routed) through the admin door of EnvironmentPolicy,
 * so one service method serves both; only the list is the admins' own.
 */
export default class AdminEnvironmentsController extends EnvironmentsController {
  protected door = 'admin' as const
  protected acceptedView = AdminEnvironmentTransformer

  /**
   * GET /api/v1/admin/environments: everyone's, filtered and sorted, by page or cursor
   * (not `index`: its meta differs from the owner's list it would override).
   */
  async everyone(ctx: HttpContext) {
    const filters = await ctx.request.validateUsing(adminEnvironmentListValidator, {
      data: ctx.request.qs(),
    })
    const listing = await ctx.containerResolver.make(AdminEnvironmentListing)
    const { rows, meta } = await listing.list(filters)
    return {
      data: rows.map((row) => adminEnvironmentValues(row, row.image, row.ownerUsername)),
      meta,
    }
  }
}
