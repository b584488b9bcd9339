import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import LocalExperimentService from '#services/experiments/local_experiment_service'
import RequestOrigin from '#services/request_origin'
import { sessionParamsValidator, sessionValidator } from '#validators/local_experiment'
import ExperimentSessionTransformer from '#transformers/experiment_session_transformer'

/**
 * Sessions (beamtimes) of local experiments, for admins.
 */
@inject()
export default class AdminExperimentSessionsController {
  constructor(protected experiments: LocalExperimentService) {}

  /** PUT: creates the session or replaces it as a whole. */
  async update(ctx: HttpContext) {
    const { params } = await ctx.request.validateUsing(sessionParamsValidator, {
      data: { params: ctx.params },
    })
    const fields = await ctx.request.validateUsing(sessionValidator)
    const { session, outcome } = await this.experiments.upsertSession(
      ctx.auth.getUserOrFail(),
      { id: params.id },
      params.sessionNumber,
      fields,
      RequestOrigin.fromHttp(ctx)
    )
    ctx.response.status(outcome === 'created' ? 201 : 200)
    return ctx.serialize(ExperimentSessionTransformer.transform(session))
  }

  async destroy(ctx: HttpContext) {
    const { params } = await ctx.request.validateUsing(sessionParamsValidator, {
      data: { params: ctx.params },
    })
    await this.experiments.deleteSession(
      ctx.auth.getUserOrFail(),
      { id: params.id },
      params.sessionNumber,
      RequestOrigin.fromHttp(ctx)
    )
    return ctx.response.noContent()
  }
}
