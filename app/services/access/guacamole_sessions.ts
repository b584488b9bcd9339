import logger from '@adonisjs/core/services/logger'
import accessConfig from '#config/access'
import { observeCall } from '#services/metrics/outside_calls'

/**
 * What became of a person's open Guacamole sessions when their access was
 * withdrawn: `not configured` (no GUACAMOLE_ADMIN_USERNAME: they run on
 * until they close), `none` open, `ended`, or `failed` (Guacamole did not
 * answer or refused; the records are gone all the same).
 */
export type SessionsOutcome =
  | { guacamoleSessions: 'not configured' | 'none' | 'failed' }
  | { guacamoleSessions: 'ended'; endedSessions: number }

/** One entry of `GET /api/session/data/<dataSource>/activeConnections` (Guacamole 1.x). */
type ActiveConnection = { identifier?: string; username?: string; connectionIdentifier?: string }

class GuacamoleRefusal extends Error {
  constructor(
    readonly step: string,
    readonly status: number
  ) {
    super(`Guacamole answered ${status} to ${step}`)
  }
}

/**
 * Ends open Guacamole sessions through its REST API, signed in as the
 * configured administrator: sign in (`POST /api/tokens`), list the active
 * connections of the administrator's data source, remove those of the
 * given users (`PATCH …/activeConnections`, JSON Patch `remove`), sign
 * out. Every call is bounded by GUACAMOLE_TIMEOUT; nothing here throws.
 */
export default class GuacamoleSessions {
  /** Ends every open session of these Guacamole usernames. */
  async endFor(usernames: string[]): Promise<SessionsOutcome> {
    const wanted = new Set(usernames)
    return this.#end((connection) => wanted.has(connection.username ?? ''))
  }

  /** Ends every open session whose Guacamole username starts with the prefix (one environment's). */
  async endMatching(usernamePrefix: string): Promise<SessionsOutcome> {
    return this.#end((connection) => (connection.username ?? '').startsWith(usernamePrefix))
  }

  async #end(matches: (connection: ActiveConnection) => boolean): Promise<SessionsOutcome> {
    const { apiUrl, admin } = accessConfig.guacamole
    if (!apiUrl || !admin) {
      return { guacamoleSessions: 'not configured' }
    }
    try {
      return await observeCall('guacamole_api', 'end_sessions', async () => {
        const { authToken, dataSource } = await this.#signIn(apiUrl, admin)
        try {
          const base = `${apiUrl}/api/session/data/${encodeURIComponent(dataSource)}/activeConnections`
          const listed = await this.#call(base, authToken, { method: 'GET' })
          if (listed.status !== 200) {
            throw new GuacamoleRefusal('listing active connections', listed.status)
          }
          const active = ((await listed.json()) ?? {}) as Record<string, ActiveConnection>
          const identifiers = Object.entries(active)
            .filter(([, connection]) => matches(connection))
            .map(([key, connection]) => connection.identifier ?? key)
          if (identifiers.length === 0) {
            return { guacamoleSessions: 'none' as const }
          }
          const patched = await this.#call(base, authToken, {
            method: 'PATCH',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify(
              identifiers.map((identifier) => ({
                op: 'remove',
                path: `/${identifier}`,
              }))
            ),
          })
          // 200 with an outcome per patch (1.5+) or 204 (older releases).
          if (patched.status !== 200 && patched.status !== 204) {
            throw new GuacamoleRefusal('ending active connections', patched.status)
          }
          return { guacamoleSessions: 'ended' as const, endedSessions: identifiers.length }
        } finally {
          // The administrator's token is not left valid behind us.
          await this.#call(`${apiUrl}/api/tokens/${encodeURIComponent(authToken)}`, authToken, {
            method: 'DELETE',
          }).catch(() => {})
        }
      })
    } catch (error) {
      const { name, step, status } = error as Error & { step?: string; status?: number }
      logger.warn(
        { reason: step ? `${step}: ${status}` : name },
        'ending open Guacamole sessions failed; the records are removed all the same'
      )
      return { guacamoleSessions: 'failed' }
    }
  }

  async #signIn(apiUrl: string, admin: { username: string; password: string }) {
    const response = await fetch(`${apiUrl}/api/tokens`, {
      method: 'POST',
      body: new URLSearchParams(admin),
      redirect: 'manual',
      signal: AbortSignal.timeout(accessConfig.guacamole.timeoutMs),
    })
    const body = (await response.json().catch(() => null)) as {
      authToken?: unknown
      dataSource?: unknown
    } | null
    if (
      response.status !== 200 ||
      typeof body?.authToken !== 'string' ||
      typeof body.dataSource !== 'string'
    ) {
      throw new GuacamoleRefusal('the administrator sign-in', response.status)
    }
    return { authToken: body.authToken, dataSource: body.dataSource }
  }

  #call(url: string, authToken: string, init: RequestInit) {
    return fetch(url, {
      ...init,
      // The header, not `?token=`: tokens stay out of URLs and access logs.
      headers: { ...(init.headers as Record<string, string>), 'Guacamole-Token': authToken },
      redirect: 'manual',
      signal: AbortSignal.timeout(accessConfig.guacamole.timeoutMs),
    })
  }
}

/** Several outcomes as one (a disabled account's environments): any failure wins, then the count. */
export function combinedOutcome(outcomes: SessionsOutcome[]): SessionsOutcome {
  if (outcomes.some((outcome) => outcome.guacamoleSessions === 'failed')) {
    return { guacamoleSessions: 'failed' }
  }
  if (outcomes.some((outcome) => outcome.guacamoleSessions === 'not configured')) {
    return { guacamoleSessions: 'not configured' }
  }
  const ended = outcomes.reduce(
    (sum, outcome) => sum + ('endedSessions' in outcome ? outcome.endedSessions : 0),
    0
  )
  return ended > 0
    ? { guacamoleSessions: 'ended', endedSessions: ended }
    : { guacamoleSessions: 'none' }
}
