import UserOfficeUnavailableException from '#exceptions/user_office_unavailable_exception'

/**
 * The User Office asked the portal to slow down: 429 Too Many Requests or
 * 503 Service Unavailable. To a person it is the same 503 as any outage;
 * the background sync reads `retryAfterMs` (the answer's Retry-After, when
 * it gave one) to pause before asking again.
 */
export default class UserOfficeBusyException extends UserOfficeUnavailableException {
  constructor(
    readonly upstreamStatus: number,
    readonly retryAfterMs: number | null
  ) {
    super()
  }
}
