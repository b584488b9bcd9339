import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import RequestOrigin from '#services/request_origin'
import ExperimentCatalogService from '#services/experiments/experiment_catalog_service'
import ExperimentTransformer, { experimentSummary } from '#transformers/experiment_transformer'
import { listPage } from '#transformers/list_page'
import {
  experimentListValidator,
  experimentParamsValidator,
  favoriteValidator,
} from '#validators/experiment'

/**
 * The signed-in user's experiments.
 */
@inject()
export default class ExperimentsController {
  constructor(protected catalog: ExperimentCatalogService) {}

  async index(ctx: HttpContext) {
    const filters = await ctx.request.validateUsing(experimentListValidator, {
      data: ctx.request.qs(),
    })
    const { page, rows, stale, lastSyncedAt } = await this.catalog.list(
      ctx.auth.getUserOrFail(),
      filters
    )
    return listPage(
      rows.map((row) => experimentSummary(row, row.favorite)),
      page,
      { stale, lastSyncedAt: lastSyncedAt?.toISO() ?? null }
    )
  }

  async show(ctx: HttpContext) {
    const { params } = await ctx.request.validateUsing(experimentParamsValidator, {
      data: { params: ctx.params },
    })
    const experiment = await this.catalog.find(ctx.auth.getUserOrFail(), params.id)
    return ctx.serialize(ExperimentTransformer.transform(experiment))
  }

  async favorite(ctx: HttpContext) {
    const { params } = await ctx.request.validateUsing(experimentParamsValidator, {
      data: { params: ctx.params },
    })
    const { favorite } = await ctx.request.validateUsing(favoriteValidator)
    const experiment = await this.catalog.setFavorite(
      ctx.auth.getUserOrFail(),
      params.id,
      favorite,
      RequestOrigin.fromHttp(ctx)
    )
    return ctx.serialize(ExperimentTransformer.transform(experiment))
  }

  async sync(ctx: HttpContext) {
    const result = await this.catalog.syncNow(ctx.auth.getUserOrFail(), RequestOrigin.fromHttp(ctx))
    return {
      data: result
        ? {
            source: 'useroffice',
            syncedAt: result.syncedAt.toISO(),
            experiments: result.experiments,
          }
        : { source: 'local', syncedAt: null, experiments: null },
    }
  }
}
