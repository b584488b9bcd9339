import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import LocalExperimentService from '#services/experiments/local_experiment_service'
import AdminExperimentListing from '#services/experiments/admin_experiment_listing'
import RequestOrigin from '#services/request_origin'
import {
  createExperimentValidator,
  experimentParamsValidator,
  experimentQueryValidator,
  updateExperimentValidator,
} from '#validators/local_experiment'
import { experimentSummary } from '#transformers/experiment_transformer'
import AdminExperimentTransformer from '#transformers/admin_experiment_transformer'

/**
 * Experiments for admins: all of them to read, local ones to manage.
 */
@inject()
export default class AdminExperimentsController {
  constructor(
    protected experiments: LocalExperimentService,
    protected listing: AdminExperimentListing
  ) {}

  async index(ctx: HttpContext) {
    const filters = await ctx.request.validateUsing(experimentQueryValidator, {
      data: ctx.request.qs(),
    })
    const { rows, meta } = await this.listing.list(filters)
    // What ExperimentTransformer shows of an experiment without sessions (an admin has no
    // favourite here): no transformer per request.
    return {
      data: rows.map((row) => experimentSummary(row, false)),
      meta,
    }
  }

  async store(ctx: HttpContext) {
    const fields = await ctx.request.validateUsing(createExperimentValidator)
    const experiment = await this.experiments.create(
      ctx.auth.getUserOrFail(),
      fields,
      RequestOrigin.fromHttp(ctx)
    )
    ctx.response.status(201)
    return ctx.serialize(AdminExperimentTransformer.transform(experiment))
  }

  async show(ctx: HttpContext) {
    const { params } = await ctx.request.validateUsing(experimentParamsValidator, {
      data: { params: ctx.params },
    })
    const experiment = await this.experiments.find({ id: params.id })
    return ctx.serialize(AdminExperimentTransformer.transform(experiment))
  }

  async update(ctx: HttpContext) {
    const { params } = await ctx.request.validateUsing(experimentParamsValidator, {
      data: { params: ctx.params },
    })
    const changes = await ctx.request.validateUsing(updateExperimentValidator)
    const experiment = await this.experiments.update(
      ctx.auth.getUserOrFail(),
      { id: params.id },
      changes,
      RequestOrigin.fromHttp(ctx)
    )
    return ctx.serialize(AdminExperimentTransformer.transform(experiment))
  }

  async destroy(ctx: HttpContext) {
    const { params } = await ctx.request.validateUsing(experimentParamsValidator, {
      data: { params: ctx.params },
    })
    await this.experiments.delete(
      ctx.auth.getUserOrFail(),
      { id: params.id },
      RequestOrigin.fromHttp(ctx)
    )
    return ctx.response.noContent()
  }
}
