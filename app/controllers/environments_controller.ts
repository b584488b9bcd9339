import { DateTime } from 'luxon'
import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import RequestOrigin from '#services/request_origin'
import EnvironmentService from '#services/environments/environment_service'
import HeldEnvironmentListing from '#services/environments/held_environment_listing'
import EnvironmentTransformer, {
  environmentValues,
  holdingValues,
} from '#transformers/environment_transformer'
import { listPage } from '#transformers/list_page'
import type { EnvironmentDoor } from '#policies/environment_policy'
import {
  environmentListValidator,
  environmentParamsValidator,
  extendValidator,
  requisitionValidator,
} from '#validators/environment'

/**
 * The signed-in user's analysis environments. The actions on one
 * environment name the door of EnvironmentPolicy they come through; the
 * admin tree (AdminEnvironmentsController) is these same actions through
 * the admin door.
 */
@inject()
export default class EnvironmentsController {
  /** Which door of EnvironmentPolicy these routes are. */
  protected door: EnvironmentDoor = 'owner'
  /** How a stop, start or removal shows the environment it accepted. */
  protected acceptedView: typeof EnvironmentTransformer = EnvironmentTransformer

  // The list's service is a container singleton, so the list is routed to
  // one instance of this controller (actionMadeOnce); the other actions
  // have EnvironmentService injected on their own (method injection), so
  // the container need not build its chain for every read of the list.
  constructor(protected listing: HeldEnvironmentListing) {}

  async index(ctx: HttpContext) {
    const filters = await ctx.request.validateUsing(environmentListValidator, {
      data: ctx.request.qs(),
    })
    const { page, rows } = await this.listing.list(ctx.auth.getUserOrFail(), filters)
    return listPage(
      rows.map((row) => ({
        ...environmentValues(row, row.image),
        ...holdingValues(row.role, row.sharedBy),
      })),
      page
    )
  }

  @inject()
  async store(ctx: HttpContext, environments: EnvironmentService) {
    const input = await ctx.request.validateUsing(requisitionValidator)
    const environment = await environments.requisition(
      ctx.auth.getUserOrFail(),
      input,
      RequestOrigin.fromHttp(ctx)
    )
    // Its image is set already (the requisition read it).
    ctx.response.status(202)
    return ctx.serialize(EnvironmentTransformer.transform(environment))
  }

  @inject()
  async show(ctx: HttpContext, environments: EnvironmentService) {
    const id = await this.#id(ctx)
    const environment = await environments.find(ctx.auth.getUserOrFail(), id, this.door)
    return ctx.serialize(EnvironmentTransformer.transform(environment))
  }

  @inject()
  async stop(ctx: HttpContext, environments: EnvironmentService) {
    return this.#accept(ctx, environments, 'stop')
  }

  @inject()
  async start(ctx: HttpContext, environments: EnvironmentService) {
    return this.#accept(ctx, environments, 'start')
  }

  @inject()
  async destroy(ctx: HttpContext, environments: EnvironmentService) {
    return this.#accept(ctx, environments, 'remove')
  }

  @inject()
  async extend(ctx: HttpContext, environments: EnvironmentService) {
    const id = await this.#id(ctx)
    const { expiresAt } = await ctx.request.validateUsing(extendValidator)
    const environment = await environments.extend(
      ctx.auth.getUserOrFail(),
      id,
      this.door,
      DateTime.fromJSDate(expiresAt, { zone: 'utc' }),
      RequestOrigin.fromHttp(ctx)
    )
    return ctx.serialize(EnvironmentTransformer.transform(environment))
  }

  /** A stop, start or removal: recorded now, answered 202 while the engine works. */
  async #accept(
    ctx: HttpContext,
    environments: EnvironmentService,
    action: 'stop' | 'start' | 'remove'
  ) {
    const id = await this.#id(ctx)
    const environment = await environments[action](
      ctx.auth.getUserOrFail(),
      id,
      this.door,
      RequestOrigin.fromHttp(ctx)
    )
    ctx.response.status(202)
    return ctx.serialize(this.acceptedView.transform(environment))
  }

  async #id(ctx: HttpContext) {
    const { params } = await ctx.request.validateUsing(environmentParamsValidator, {
      data: { params: ctx.params },
    })
    return params.id
  }
}
