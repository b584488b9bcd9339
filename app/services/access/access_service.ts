import { inject } from '@adonisjs/core'
import encryption from '@adonisjs/core/services/encryption'
import db from '@adonisjs/lucid/services/db'
import Environment from '#models/environment'
import EnvironmentAccess from '#models/environment_access'
import type User from '#models/user'
import accessConfig from '#config/access'
import AuditService from '#services/audit_service'
import AuthorizedEnvironments from '#services/environments/authorized_environments'
import type RequestOrigin from '#services/request_origin'
import AccessBrokers from '#services/access/access_brokers'
import GuacamoleTokens from '#services/access/guacamole_tokens'
import { combinedOutcome, type SessionsOutcome } from '#services/access/guacamole_sessions'
import EnvironmentActivity from '#services/activity/environment_activity'
import ShareMembership, { noteShareOpened } from '#services/environments/share_membership'
import type { EnvironmentRole } from '#domain/share_roles'
import type { GuacamoleCredentials, RemoteProtocol } from '#services/access/access_broker'
import NotFoundException from '#exceptions/not_found_exception'
import InvalidStateException from '#exceptions/invalid_state_exception'
import AccessUnavailableException from '#exceptions/access_unavailable_exception'
import AccessUnsupportedException from '#exceptions/access_unsupported_exception'

/** What the browser opens. */
export type AccessLink =
  | { kind: 'web'; url: string }
  | { kind: 'guacamole'; url: string; credentials?: GuacamoleCredentials }

/**
 * Whether the environment's web URL carries its secret as the login token:
 * a token a running application cannot be made to forget.
 */
export function opensWithToken(environment: Environment) {
  return (
    environment.image.protocol === 'http' && Boolean(environment.image.environment.WEB_TOKEN_PARAM)
  )
}

/**
 * The web application's URL. Images that take the per-environment secret
 * as their login token (e.g. JupyterLab started with
 * `--ServerApp.token=$PORTAL_SECRET`) name the query parameter in their
 * WEB_TOKEN_PARAM variable; only the owner and colleagues it is shared
 * with as `user` ever receive this URL.
 */
function webUrl(environment: Environment) {
  const url = new URL(`http://${environment.endpointHost}:${environment.endpointPort}/`)
  const tokenParam = environment.image.environment.WEB_TOKEN_PARAM
  if (tokenParam) {
    url.searchParams.set(tokenParam, encryption.decrypt<string>(environment.secret)!)
  }
  return url.toString()
}

/** Login name inside RDP/SSH containers unless the image sets REMOTE_USER. */
const DEFAULT_REMOTE_USER = 'portal'

/**
 * Opens a running environment for its owner or a colleague it is shared
 * with: a direct URL for http images, a Guacamole connection for
 * vnc/rdp/ssh — each person's own Guacamole user, view-only for a guest.
 * Every attempt is audited (never with a credential).
 */
@inject()
export default class AccessService {
  constructor(
    protected brokers: AccessBrokers,
    protected tokens: GuacamoleTokens,
    protected audit: AuditService,
    protected environments: AuthorizedEnvironments,
    protected shareMembership: ShareMembership
  ) {}

  /**
   * Withdraws the remote access of the owner's environments that still run
   * or start (their account was disabled): Guacamole records and
   * credentials go at once, then open Guacamole sessions are ended (when
   * an administrator is configured). Returns the ids whose records were
   * removed and how ending the sessions went.
   * Blobs of the JSON broker need no withdrawal: each is usable for a
   * minute only.
   */
  async revokeAllOf(owner: User) {
    const environments = await Environment.query()
      .where('user_id', owner.id)
      .whereIn('state', ['provisioning', 'running'])
      .whereIn('id', db.from('environment_access').select('environment_id'))
      .select('id')
    const sessions: SessionsOutcome[] = []
    for (const { id } of environments) {
      sessions.push(await this.brokers.revokeNow(id))
    }
    // Their own records on colleagues' environments shared with them go too.
    const shared = await EnvironmentAccess.query()
      .where('user_id', owner.id)
      .whereNotIn(
        'environment_id',
        environments.map(({ id }) => id)
      )
      .select('environment_id')
    for (const { environmentId } of shared) {
      sessions.push(await this.brokers.revokeFor(environmentId, owner.id))
    }
    return {
      environments: environments.map(({ id }) => id),
      sessions: combinedOutcome(sessions),
    }
  }

  async open(user: User, id: number, origin: RequestOrigin): Promise<AccessLink> {
    const record = (outcome: 'success' | 'denied' | 'failure', details: Record<string, unknown>) =>
      this.audit.record({
        actor: user,
        action: 'environment.access',
        outcome,
        origin,
        objectType: 'environment',
        objectId: id,
        details,
      })
    const environment = await this.environments.find(user, id, 'open', 'owner')
    if (!environment) {
      await record('denied', { reason: 'not found' })
      throw new NotFoundException()
    }
    const role = environment.$extras.role as EnvironmentRole
    // A colleague's share holds only while they still belong to its experiment (asked afresh).
    if (
      role !== 'owner' &&
      !(await this.shareMembership.holdsFresh(environment.shares[0], environment, user))
    ) {
      await record('denied', { reason: 'not found', sharedAs: role })
      throw new NotFoundException()
    }
    const shared = role === 'owner' ? {} : { sharedAs: role }
    if (environment.state !== 'running' || !environment.endpointHost || !environment.endpointPort) {
      await record('denied', { reason: 'not running', state: environment.state })
      throw new InvalidStateException()
    }
    const protocol = environment.image.protocol
    if (protocol === 'http') {
      if (role === 'guest') {
        // Never shared so (EnvironmentSharing); a web application cannot be made view-only.
        await record('denied', { reason: 'view-only web access', ...shared })
        throw new AccessUnsupportedException()
      }
      // The portal's own access events are the floor of the environment's activity.
      await EnvironmentActivity.touch(environment.id)
      if (role !== 'owner') {
        await noteShareOpened(environment.id, user.id)
      }
      await record('success', { kind: 'web', ...shared })
      return { kind: 'web', url: webUrl(environment) }
    }
    const broker = this.brokers.current()
    if (!broker) {
      await record('denied', { reason: 'no access broker', protocol })
      throw new AccessUnsupportedException()
    }
    if (!accessConfig.guacamole.url) {
      await record('failure', { reason: 'GUACAMOLE_URL not set', protocol })
      throw new AccessUnavailableException()
    }

    let link: AccessLink
    try {
      link = await db.transaction(async (trx) => {
        // One grant of this environment at a time, and no state change until its credentials are used.
        const locked = await Environment.query({ client: trx })
          .where('id', environment.id)
          .forUpdate()
          .select('state', 'endpoint_host', 'endpoint_port')
          .first()
        if (locked?.state !== 'running' || !locked.endpointHost || !locked.endpointPort) {
          throw new InvalidStateException()
        }
        const grant = await broker.grant(
          {
            environmentId: environment.id,
            userId: user.id,
            readOnly: role === 'guest',
            protocol: protocol as RemoteProtocol,
            host: locked.endpointHost,
            port: locked.endpointPort,
            secret: encryption.decrypt<string>(environment.secret)!,
            username: environment.image.environment.REMOTE_USER ?? DEFAULT_REMOTE_USER,
            expiresAt: environment.expiresAt,
            ownerName: user.displayName ?? user.username,
          },
          trx
        )
        const url = `${accessConfig.guacamole.url}/#/client/${grant.clientId}`
        const token = await this.tokens.exchange(grant.credentials)
        return token
          ? { kind: 'guacamole', url: `${url}?token=${encodeURIComponent(token)}` }
          : { kind: 'guacamole', url, credentials: grant.credentials }
      })
    } catch (error) {
      const denied = error instanceof InvalidStateException
      await record(denied ? 'denied' : 'failure', {
        reason: denied ? 'not running' : (error as { code?: string }).code,
        broker: broker.name,
        ...shared,
      })
      throw error
    }
    await EnvironmentActivity.touch(environment.id)
    if (role !== 'owner') {
      await noteShareOpened(environment.id, user.id)
    }
    await record('success', {
      kind: 'guacamole',
      broker: broker.name,
      tokenExchanged: !link.credentials,
      ...shared,
    })
    return link
  }
}
