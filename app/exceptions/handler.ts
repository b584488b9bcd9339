import { type HttpContext, ExceptionHandler } from '@adonisjs/core/http'
import { errors as vineErrors } from '@vinejs/vine'
import { errors as limiterErrors } from '@adonisjs/limiter'
import { toApiErrors, type ApiError } from '#exceptions/api_error'
import SamlResponseRejectedException from '#exceptions/saml_response_rejected_exception'
import LaunchLimitException from '#exceptions/launch_limit_exception'
import TooManyStreamsException from '#exceptions/too_many_streams_exception'
import SamlSignInBusyException from '#exceptions/saml_sign_in_busy_exception'
import OidcRejectedException from '#exceptions/oidc_rejected_exception'
import OidcSignInBusyException from '#exceptions/oidc_sign_in_busy_exception'
import OidcUnavailableException from '#exceptions/oidc_unavailable_exception'
import { BROWSER_ROUTES, errorPage } from '#exceptions/error_page'
import ConsoleNotBuiltException from '#exceptions/console_not_built_exception'
import { CONSOLE_NOT_BUILT_PAGE } from '#services/console/console_not_built_page'

/**
 * Renders every error, whatever raised it, as the one documented shape
 * `{"errors": [{"code", "message", "field"?}]}`. Stack traces go to the
 * log, never to the client.
 */
export default class HttpExceptionHandler extends ExceptionHandler {
  protected debug = false

  /** 4xx are the client's business; 5xx are logged with their stack. */
  protected ignoreStatuses = [400, 401, 403, 404, 405, 409, 413, 415, 422, 429]

  async handle(error: unknown, ctx: HttpContext) {
    const { status, errors } = toApiErrors(error)

    if (errors[0]?.code === 'E_DATABASE_BUSY') {
      ctx.response.header('Retry-After', '1')
    }
    if (error instanceof limiterErrors.E_TOO_MANY_REQUESTS) {
      ctx.response.header('Retry-After', String(Math.max(1, error.response.availableIn)))
    }
    if (
      error instanceof LaunchLimitException ||
      error instanceof SamlSignInBusyException ||
      error instanceof OidcSignInBusyException ||
      error instanceof TooManyStreamsException
    ) {
      ctx.response.header('Retry-After', String(error.retryAfterSeconds))
    }

    if (error instanceof ConsoleNotBuiltException) {
      ctx.response.status(status).header('Content-Type', 'text/html; charset=utf-8')
      return ctx.response.send(CONSOLE_NOT_BUILT_PAGE)
    }
    if (BROWSER_ROUTES.has(ctx.route?.pattern ?? '')) {
      ctx.response.status(status).header('Content-Type', 'text/html; charset=utf-8')
      return ctx.response.send(errorPage(status, errors))
    }
    ctx.response.status(status).send({ errors } satisfies { errors: ApiError[] })
  }

  async report(error: unknown, ctx: HttpContext) {
    if (error instanceof vineErrors.E_VALIDATION_ERROR) {
      return
    }
    if (error instanceof ConsoleNotBuiltException) {
      ctx.logger.warn('the web console is not built (npm run build:console)')
      return
    }
    if (error instanceof SamlResponseRejectedException) {
      ctx.logger.warn({ reason: error.reason }, 'SAML message rejected')
      return
    }
    if (error instanceof OidcRejectedException) {
      ctx.logger.warn({ reason: error.reason }, 'OpenID Connect answer rejected')
      return
    }
    if (error instanceof OidcUnavailableException) {
      ctx.logger.warn({ reason: error.reason }, 'OpenID provider unavailable')
      return
    }
    return super.report(error, ctx)
  }

  protected context(ctx: HttpContext) {
    return { request_id: ctx.request.id(), user_id: ctx.auth?.user?.id }
  }
}
