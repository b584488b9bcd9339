import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import EnvironmentService from '#services/environments/environment_service'
import EnvironmentProgressStream from '#services/environments/environment_progress_stream'
import EventStreamLimits from '#services/environments/event_stream_limits'
import { environmentParamsValidator } from '#validators/environment'

/**
 * GET /api/v1/environments/:id/events — the progress stream (text/event-stream),
 * within the user's stream limits (EventStreamLimits).
 */
export default class EnvironmentEventsController {
  @inject()
  async stream(
    ctx: HttpContext,
    environments: EnvironmentService,
    progress: EnvironmentProgressStream,
    limits: EventStreamLimits
  ) {
    const { params } = await ctx.request.validateUsing(environmentParamsValidator, {
      data: { params: ctx.params },
    })
    const user = ctx.auth.getUserOrFail()
    const environment = await environments.findToWatch(user, params.id)
    const release = await limits.acquire(user.id)
    const lastEventId = Number.parseInt(ctx.request.header('last-event-id') ?? '0', 10) || 0

    ctx.response.header('Content-Type', 'text/event-stream; charset=utf-8')
    ctx.response.header('Cache-Control', 'no-cache, no-transform')
    // Proxies such as nginx would otherwise buffer the stream.
    ctx.response.header('X-Accel-Buffering', 'no')
    const stream = progress.open(environment.id, lastEventId, environment.state)
    // The slot is free again when the stream ends or the client goes away.
    stream.once('close', release)
    ctx.response.response.once('close', release)
    return ctx.response.stream(stream)
  }
}
