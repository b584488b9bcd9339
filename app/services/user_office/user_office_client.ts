import axios, { type AxiosResponse } from 'axios'
import { inject } from '@adonisjs/core'
import logger from '@adonisjs/core/services/logger'
import userOfficeConfig from '#config/user_office'
import experimentsConfig from '#config/experiments'
import UserOfficeUnavailableException from '#exceptions/user_office_unavailable_exception'
import UserOfficeBusyException from '#exceptions/user_office_busy_exception'
import {
  experimentsPageValidator,
  type UserOfficeExperiment,
} from '#services/user_office/user_office_experiment'
import { observeCall, observed } from '#services/metrics/outside_calls'

/** A username as the User Office may hand it over: anything else is off-contract. */
// Printable, no whitespace or slashes (it ends up in URLs and paths).
const CANONICAL_USERNAME = /^[\w.@+-]{1,128}$/

type Endpoint = 'login' | 'identity' | 'authorized' | 'experiments'

/** How a caller paces its requests for experiments (the background sync does). */
export type ExperimentRequestOptions = {
  /** Awaited before every request (each page, each retry). */
  beforeRequest?: () => Promise<unknown>
  /** Retry connection errors and 5xx (default true; a paced caller backs off instead). */
  retry?: boolean
}

/** A Retry-After header (seconds or an HTTP date) in milliseconds, capped at an hour. */
function retryAfterMs(header: unknown): number | null {
  if (typeof header !== 'string' || header.trim() === '') {
    return null
  }
  const seconds = Number(header)
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now()
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), 3_600_000) : null
}

/**
 * The facility User Office REST contract (docs/user-office.md), endpoints
 * 1–4. Every call has a timeout; anything but a contract answer throws
 * UserOfficeUnavailableException (503), never "wrong password".
 */
@inject()
export default class UserOfficeClient {
  #http = axios.create({
    timeout: userOfficeConfig.timeoutMs,
    // Statuses are part of the contract: read them rather than catch them.
    validateStatus: () => true,
    maxRedirects: 0,
    proxy: false,
    headers: { 'Accept': 'application/json', 'User-Agent': 'facility-portal' },
  })

  get enabled() {
    return userOfficeConfig.enabled
  }

  /**
   * Readiness: whether the User Office answers at all. A GET of the login
   * URL (a POST endpoint: no credentials are sent, nothing is looked up)
   * answered below 500 within the timeout counts; anything else throws
   * UserOfficeUnavailableException with the reason.
   */
  @observed('user_office', 'ping')
  async ping(timeoutMs = userOfficeConfig.timeoutMs) {
    const url = userOfficeConfig.loginUrl
    if (!url) {
      throw new UserOfficeUnavailableException('USER_OFFICE_LOGIN_URL is not configured')
    }
    let response: AxiosResponse
    try {
      response = await this.#http.get(url, { timeout: timeoutMs })
    } catch (error) {
      const { code } = error as { code?: string }
      throw new UserOfficeUnavailableException(
        code === 'ECONNABORTED' || code === 'ETIMEDOUT'
          ? `The User Office did not answer within ${timeoutMs / 1000} s`
          : `The User Office cannot be reached (${code ?? 'no answer'})`
      )
    }
    if (response.status >= 500) {
      throw new UserOfficeUnavailableException(`The User Office answers ${response.status}`)
    }
  }

  /**
   * Contract 1: checks a password. Resolves the canonical username when
   * valid, null when the User Office says the credentials are wrong.
   */
  @observed('user_office', 'login')
  async checkLogin(username: string, password: string): Promise<string | null> {
    const response = await this.#post('login', userOfficeConfig.loginUrl, { username, password })
    if (response.status === 401) {
      return null
    }
    this.#expect(response, 'login', [200])
    const canonical = response.data?.username ?? username
    return this.#canonical(canonical, 'login')
  }

  /**
   * Contract 2: the facility username of a federated identity, or null
   * when the User Office has no account for it.
   */
  @observed('user_office', 'identity')
  async lookupIdentity(persistentId: string): Promise<string | null> {
    const response = await this.#post('identity', userOfficeConfig.identityUrl, {
      eaa_hash: persistentId,
    })
    if (response.status === 404) {
      return null
    }
    this.#expect(response, 'identity', [200])
    return this.#canonical(response.data?.username, 'identity')
  }

  /**
   * Contract 3: whether the user may use facility resources outside an
   * experiment; null for a user the User Office does not know.
   */
  @observed('user_office', 'authorized')
  async isAuthorized(login: string): Promise<boolean | null> {
    const response = await this.#post('authorized', userOfficeConfig.authorizedUrl, { login }, true)
    if (response.status === 404) {
      return null
    }
    this.#expect(response, 'authorized', [200])
    if (typeof response.data?.result !== 'boolean') {
      throw this.#offContract('authorized', 'no boolean "result"')
    }
    return response.data.result
  }

  /**
   * Contract 4: every page of a user's experiments, following `next` (on
   * the configured host only) up to EXPERIMENTS_SYNC_MAX_PAGES. Each page
   * is checked against the contract; one bad page fails the whole listing
   * so that a partial answer never looks like revoked memberships. A 404
   * for the first page means the user has none (deleted from the User
   * Office, or never had any). A 429 or 503 throws UserOfficeBusyException
   * (with the answer's Retry-After).
   */
  async *experimentPages(
    username: string,
    options: ExperimentRequestOptions = {}
  ): AsyncGenerator<UserOfficeExperiment[]> {
    const template = userOfficeConfig.experimentsUrl
    if (!template) {
      throw new UserOfficeUnavailableException('The User Office experiments URL is not configured')
    }
    const first = new URL(template.replaceAll('$USERNAME', encodeURIComponent(username)))
    first.searchParams.set('page_size', String(experimentsConfig.syncPageSize))
    let url: string | null = first.toString()

    for (let page = 1; url; page++) {
      if (page > experimentsConfig.syncMaxPages) {
        throw this.#offContract('experiments', `more than ${experimentsConfig.syncMaxPages} pages`)
      }
      const pageUrl = url
      const response = await observeCall('user_office', 'experiments', async () => {
        const answer = await this.#getWithRetries(pageUrl, options)
        if (answer.status === 429 || answer.status === 503) {
          throw new UserOfficeBusyException(
            answer.status,
            retryAfterMs(answer.headers['retry-after'])
          )
        }
        // A user the User Office does not know (any more) has no experiments; on a
        // later page a 404 is an error, never a shorter list.
        if (page === 1 && answer.status === 404) {
          return null
        }
        this.#expect(answer, 'experiments', [200])
        return answer
      })
      if (response === null) {
        return
      }
      const [error, document] = await experimentsPageValidator.tryValidate(response.data)
      if (error) {
        throw this.#offContract(
          'experiments',
          `page ${page}: ${error.messages[0]?.field} ${error.messages[0]?.message}`
        )
      }
      yield document.results
      url = document.next ? this.#sameOrigin(document.next, first) : null
    }
  }

  /** Idempotent GETs are retried twice on connection errors and 5xx, with a short backoff. */
  async #getWithRetries(url: string, options: ExperimentRequestOptions) {
    const attempts = options.retry === false ? 1 : 3
    for (let attempt = 1; ; attempt++) {
      let response: AxiosResponse | null = null
      await options.beforeRequest?.()
      try {
        response = await this.#http.get(url, { auth: this.#serviceAuth() })
      } catch (error) {
        // A timeout is not retried: a slow User Office would cost the caller several timeouts.
        const timedOut = (error as { code?: string }).code === 'ECONNABORTED'
        if (attempt >= attempts || timedOut) {
          logger.warn(
            {
              userOffice: { endpoint: 'experiments' },
              err: error,
            },
            'User Office call failed'
          )
          throw new UserOfficeUnavailableException()
        }
      }
      if (response && (response.status < 500 || attempt >= attempts)) {
        return response
      }
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt))
    }
  }

  /** A `next` link pointing anywhere but the configured User Office is not followed. */
  #sameOrigin(next: string, first: URL) {
    let url: URL
    try {
      url = new URL(next, first)
    } catch {
      throw this.#offContract('experiments', 'unreadable next link')
    }
    if (url.origin !== first.origin) {
      throw this.#offContract('experiments', 'next link leaves the User Office host')
    }
    return url.toString()
  }

  #serviceAuth() {
    return {
      username: userOfficeConfig.serviceUsername,
      password: userOfficeConfig.servicePassword?.release() ?? '',
    }
  }

  async #post(endpoint: Endpoint, url: string | undefined, body: object, serviceAuth = false) {
    if (!url) {
      throw new UserOfficeUnavailableException(`The User Office ${endpoint} URL is not configured`)
    }
    const startedAt = performance.now()
    try {
      return await this.#http.post(url, body, {
        auth: serviceAuth ? this.#serviceAuth() : undefined,
      })
    } catch (error) {
      logger.warn(
        {
          userOffice: { endpoint, durationMs: Math.round(performance.now() - startedAt) },
          err: error,
        },
        'User Office call failed'
      )
      throw new UserOfficeUnavailableException()
    }
  }

  #expect(response: AxiosResponse, endpoint: Endpoint, statuses: number[]) {
    if (!statuses.includes(response.status)) {
      throw this.#offContract(endpoint, `status ${response.status}`)
    }
    if (typeof response.data !== 'object' || response.data === null) {
      throw this.#offContract(endpoint, 'body is not a JSON object')
    }
  }

  #canonical(value: unknown, endpoint: Endpoint) {
    if (typeof value !== 'string' || !CANONICAL_USERNAME.test(value)) {
      throw this.#offContract(endpoint, 'no usable "username"')
    }
    return value
  }

  #offContract(endpoint: Endpoint, reason: string) {
    logger.warn({ userOffice: { endpoint, reason } }, 'User Office answer outside the contract')
    return new UserOfficeUnavailableException()
  }
}
