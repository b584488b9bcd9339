import { DateTime } from 'luxon'
import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import RequestOrigin from '#services/request_origin'
import EnvironmentService from '#services/environments/environment_service'
import EnvironmentTransformer from '#transformers/environment_transformer'
import {
  environmentListValidator,
  environmentParamsValidator,
  extendValidator,
  requisitionValidator,
} from '#validators/environment'

/**
 * The signed-in user's analysis environments.
 */
@inject()
export default class EnvironmentsController {
  constructor(protected environments: EnvironmentService) {}

  async index(ctx: HttpContext) {
    const filters = await ctx.request.validateUsing(environmentListValidator, {
      data: ctx.request.qs(),
    })
    const page = await this.environments.list(ctx.auth.getUserOrFail(), filters)
    return ctx.serialize(EnvironmentTransformer.paginate(page.all(), page.getMeta()))
  }

  async store(ctx: HttpContext) {
    const input = await ctx.request.validateUsing(requisitionValidator)
    const environment = await this.environments.requisition(
      ctx.auth.getUserOrFail(),
      input,
      RequestOrigin.fromHttp(ctx)
    )
    await environment.load('image')
    ctx.response.status(202)
    return ctx.serialize(EnvironmentTransformer.transform(environment))
  }

  async show(ctx: HttpContext) {
    const id = await this.#id(ctx)
    const environment = await this.environments.find(ctx.auth.getUserOrFail(), id, 'owner')
    return ctx.serialize(EnvironmentTransformer.transform(environment))
  }

  async stop(ctx: HttpContext) {
    const id = await this.#id(ctx)
    const environment = await this.environments.stop(
      ctx.auth.getUserOrFail(),
      id,
      'owner',
      RequestOrigin.fromHttp(ctx)
    )
    ctx.response.status(202)
    return ctx.serialize(EnvironmentTransformer.transform(environment))
  }

  async start(ctx: HttpContext) {
    const id = await this.#id(ctx)
    const environment = await this.environments.start(
      ctx.auth.getUserOrFail(),
      id,
      'owner',
      RequestOrigin.fromHttp(ctx)
    )
    ctx.response.status(202)
    return ctx.serialize(EnvironmentTransformer.transform(environment))
  }

  async destroy(ctx: HttpContext) {
    const id = await this.#id(ctx)
    const environment = await this.environments.remove(
      ctx.auth.getUserOrFail(),
      id,
      'owner',
      RequestOrigin.fromHttp(ctx)
    )
    ctx.response.status(202)
    return ctx.serialize(EnvironmentTransformer.transform(environment))
  }

  async extend(ctx: HttpContext) {
    const id = await this.#id(ctx)
    const { expiresAt } = await ctx.request.validateUsing(extendValidator)
    const environment = await this.environments.extend(
      ctx.auth.getUserOrFail(),
      id,
      'owner',
      DateTime.fromJSDate(expiresAt, { zone: 'utc' }),
      RequestOrigin.fromHttp(ctx)
    )
    return ctx.serialize(EnvironmentTransformer.transform(environment))
  }

  async #id(ctx: HttpContext) {
    const { params } = await ctx.request.validateUsing(environmentParamsValidator, {
      data: { params: ctx.params },
    })
    return params.id
  }
}
