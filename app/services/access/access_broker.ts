import type { DateTime } from 'luxon'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type { AccessBrokerName } from '#config/access'

/** Protocols that go through Guacamole (http is reached directly). */
export type RemoteProtocol = 'vnc' | 'rdp' | 'ssh'

/** What a broker needs to describe one environment's connection. */
export type AccessTarget = {
  environmentId: number
  /**
   * Whose way in this is: the owner's, or a colleague's the environment is
   * shared with. Each person gets records of their own, revoked alone.
   */
  userId: number
  /** View-only (a guest): Guacamole's `read-only` connection parameter. */
  readOnly?: boolean
  protocol: RemoteProtocol
  /** Where guacd reaches the environment (environments.endpoint_host/port). */
  host: string
  port: number
  /** The per-environment secret (VNC/RDP/SSH password inside the container). */
  secret: string
  /** Login name inside the container, for RDP and SSH. */
  username: string
  /** The environment's expiry; stateless grants end then. */
  expiresAt: DateTime
  /** The person's name as Guacamole shows it in its user menu (guacamole-db). */
  ownerName?: string
}

/** What the browser (or the portal, server-side) presents to Guacamole's /api/tokens. */
export type GuacamoleCredentials = { username: string; password: string } | { data: string }

/** One environment's connection in Guacamole, and how to sign in to open it. */
export type AccessGrant = {
  /** The client identifier of the connection: `<base>/#/client/<clientId>`. */
  clientId: string
  credentials: GuacamoleCredentials
}

/**
 * A way of handing users a Guacamole connection to their environment. A
 * broker only ever describes connections the portal made: records it
 * writes carry the installation's name prefix so they can be swept.
 */
export interface AccessBroker {
  readonly name: Exclude<AccessBrokerName, 'none'>
  /**
   * Creates the environment's connection, or refreshes it while the
   * endpoint is unchanged, with credentials no earlier grant returned.
   * `trx`: the caller's transaction on the portal's database, holding the
   * environment's row lock until the credentials have been used.
   */
  grant(target: AccessTarget, trx?: TransactionClientContract): Promise<AccessGrant>
  /** Removes whatever the broker keeps for the environment; succeeds when there is nothing. */
  revoke(environmentId: number, trx?: TransactionClientContract): Promise<void>
  /**
   * Removes what the broker keeps for one person on the environment (a
   * colleague whose share was revoked); succeeds when there is nothing.
   * Returns the Guacamole username that was removed, if any (its open
   * sessions can then be ended), null otherwise.
   */
  revokeFor(
    environmentId: number,
    userId: number,
    trx?: TransactionClientContract
  ): Promise<string | null>
  /** Removes records whose environment is gone or not running; returns how many environments. */
  sweep(): Promise<number>
}
