import type { HttpContext } from '@adonisjs/core/http'

/**
 * Where an action came from, for the audit trail: the client address,
 * its user agent and the request id (or the CLI, for ace commands).
 */
export default class RequestOrigin {
  constructor(
    readonly clientIp: string | null,
    readonly userAgent: string | null,
    readonly requestId: string | null
  ) {}

  static fromHttp({ request }: HttpContext) {
    return new RequestOrigin(
      request.ip(),
      request.header('user-agent')?.slice(0, 512) ?? null,
      request.id() ?? null
    )
  }

  static cli() {
    return new RequestOrigin(null, 'ace', null)
  }
}
