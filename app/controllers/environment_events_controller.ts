import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import EnvironmentService from '#services/environments/environment_service'
import EnvironmentProgressStream from '#services/environments/environment_progress_stream'
import { environmentParamsValidator } from '#validators/environment'

/**
 * GET /api/v1/environments/:id/events — the progress stream (text/event-stream).
 */
export default class EnvironmentEventsController {
  @inject()
  async stream(
    ctx: HttpContext,
    environments: EnvironmentService,
    progress: EnvironmentProgressStream
  ) {
    const { params } = await ctx.request.validateUsing(environmentParamsValidator, {
      data: { params: ctx.params },
    })
    const environment = await environments.find(ctx.auth.getUserOrFail(), params.id, 'owner')
    const lastEventId = Number.parseInt(ctx.request.header('last-event-id') ?? '0', 10) || 0

    ctx.response.header('Content-Type', 'text/event-stream; charset=utf-8')
    ctx.response.header('Cache-Control', 'no-cache, no-transform')
    // Proxies such as nginx would otherwise buffer the stream.
    ctx.response.header('X-Accel-Buffering', 'no')
    return ctx.response.stream(progress.open(environment.id, lastEventId))
  }
}
