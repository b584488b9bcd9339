import { inject } from '@adonisjs/core'
import logger from '@adonisjs/core/services/logger'
import accessConfig from '#config/access'
import EnvironmentAccess from '#models/environment_access'
import type { AccessBroker } from '#services/access/access_broker'
import GuacamoleDbBroker from '#services/access/guacamole_db_broker'
import GuacamoleJsonBroker from '#services/access/guacamole_json_broker'
import GuacamoleSessions, { type SessionsOutcome } from '#services/access/guacamole_sessions'
import { environmentNamePrefix } from '#services/access/guacamole_connection'
import type { EnvironmentState } from '#domain/environment_states'

/** Entering these states ends remote access (the environment no longer runs). */
const REVOKES_ACCESS: EnvironmentState[] = ['stopping', 'stopped', 'removing', 'removed', 'failed']

/**
 * The configured access broker (ACCESS_BROKER), or null for "none": then
 * only http images are reachable, directly.
 */
@inject()
export default class AccessBrokers {
  constructor(
    protected guacamoleDb: GuacamoleDbBroker,
    protected sessions: GuacamoleSessions
  ) {}

  current(): AccessBroker | null {
    switch (accessConfig.broker) {
      case 'guacamole-db':
        return this.guacamoleDb
      case 'guacamole-json':
        return new GuacamoleJsonBroker()
      case 'none':
        return null
    }
  }

  /**
   * Called on every state transition: revokes access when the environment
   * stops running. Never fails the transition; the reconciler sweeps what
   * could not be removed now.
   */
  async onTransition(environmentId: number, to: EnvironmentState) {
    if (
      !REVOKES_ACCESS.includes(to) ||
      !(await EnvironmentAccess.findBy('environment_id', environmentId))
    ) {
      // Nothing granted through records: no round trip to Guacamole (orphans are swept).
      return
    }
    // Only the database broker keeps records, whichever broker is configured now.
    await this.guacamoleDb.revoke(environmentId).catch((error) => {
      logger.warn(
        { environmentId, code: (error as { code?: string }).code },
        'revoking remote access failed; the reconciler will retry'
      )
    })
  }

  /**
   * Removes the environment's Guacamole records now, whatever it is doing
   * (its owner was disabled); failures propagate so the caller can say so.
   * Then everyone's open sessions on it are ended (GuacamoleSessions).
   */
  async revokeNow(environmentId: number): Promise<SessionsOutcome> {
    await this.guacamoleDb.revoke(environmentId)
    return this.sessions.endMatching(environmentNamePrefix(environmentId))
  }

  /**
   * Removes one person's Guacamole records of the environment now (a
   * colleague's share revoked). Only the database broker keeps records,
   * whichever broker is configured now; failures propagate. Then their
   * open sessions are ended when a Guacamole administrator is configured;
   * that never fails the revocation, the outcome says how it went.
   */
  async revokeFor(environmentId: number, userId: number): Promise<SessionsOutcome> {
    const username = await this.guacamoleDb.revokeFor(environmentId, userId)
    // Records first: whatever Guacamole's API answers, no new session can be opened.
    return username ? this.sessions.endFor([username]) : { guacamoleSessions: 'none' }
  }

  /**
   * Reconciler: removes access records of environments that are gone or
   * not running. Records of the Guacamole database broker outlive a switch
   * to another broker (or to none, or an unset GUACAMOLE_URL): while the
   * portal still remembers some (`environment_access`), every record this
   * installation made in Guacamole's database is removed.
   */
  async sweep() {
    const broker = this.current()
    if (broker && accessConfig.guacamole.url) {
      const swept = await broker.sweep()
      if (broker === this.guacamoleDb) {
        return swept
      }
    }
    if (!(await EnvironmentAccess.query().select('id').first())) {
      // Nothing was granted through Guacamole's database, or it is all gone.
      return 0
    }
    return this.guacamoleDb.removeAll()
  }
}
