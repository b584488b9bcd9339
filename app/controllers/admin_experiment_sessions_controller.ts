import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import ExperimentSessionService from '#services/experiments/experiment_session_service'
import RequestOrigin from '#services/request_origin'
import { sessionParamsValidator, sessionValidator } from '#validators/local_experiment'
import ExperimentSessionTransformer from '#transformers/experiment_session_transformer'

/**
 * Sessions (beamtimes) of local experiments, for admins.
 */
@inject()
export default class AdminExperimentSessionsController {
  constructor(protected sessions: ExperimentSessionService) {}

  /** PUT: creates the session or replaces it as a whole. */
  async update(ctx: HttpContext) {
    const { params } = await ctx.request.validateUsing(sessionParamsValidator, {
      data: { params: ctx.params },
    })
    const fields = await ctx.request.validateUsing(sessionValidator)
    const { session, outcome } = await this.sessions.upsert(
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
    await this.sessions.delete(
      ctx.auth.getUserOrFail(),
      { id: params.id },
      params.sessionNumber,
      RequestOrigin.fromHttp(ctx)
    )
    return ctx.response.noContent()
  }
}
