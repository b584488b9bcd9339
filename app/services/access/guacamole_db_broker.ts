import { createHash, randomBytes } from 'node:crypto'
import { inject } from '@adonisjs/core'
import db from '@adonisjs/lucid/services/db'
import logger from '@adonisjs/core/services/logger'
import encryption from '@adonisjs/core/services/encryption'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import Environment from '#models/environment'
import EnvironmentAccess from '#models/environment_access'
import AccessUnavailableException from '#exceptions/access_unavailable_exception'
import type { AccessBroker, AccessGrant, AccessTarget } from '#services/access/access_broker'
import {
  clientIdentifier,
  connectionParameters,
  environmentIdOf,
  environmentNamePrefix,
  guacamoleNamePrefix,
} from '#services/access/guacamole_connection'
import { observed } from '#services/metrics/outside_calls'

/** The Lucid connection to Guacamole's database (config/database.ts). */
export const GUACAMOLE_CONNECTION = 'guacamole'

/**
 * Guacamole's password hash (JDBC module, 0.9 to 1.6): SHA-256 of the
 * UTF-8 password followed by the UPPER-CASE hex of the salt.
 */
export function guacamolePasswordHash(password: string, salt: Buffer) {
  return createHash('sha256')
    .update(password + salt.toString('hex').toUpperCase(), 'utf8')
    .digest()
}

/** LIKE pattern matching names that start with `prefix`. */
function startsWith(prefix: string) {
  return `${prefix.replace(/[\\%_]/g, (character) => `\\${character}`)}%`
}

/** Ids of the rows one grant wrote, to clean up after a later failure. */
type Written = { entityId: number; connectionId: number }

/**
 * The default broker: one Guacamole user and one connection per
 * environment in Guacamole's own database (the JDBC MySQL module, schema
 * 1.x), written in one transaction, remembered in `environment_access`.
 */
@inject()
export default class GuacamoleDbBroker implements AccessBroker {
  readonly name = 'guacamole-db' as const

  protected get guacamole() {
    return db.connection(GUACAMOLE_CONNECTION)
  }

  @observed('guacamole_db', 'grant')
  async grant(target: AccessTarget): Promise<AccessGrant> {
    const existing = await EnvironmentAccess.findBy('environment_id', target.environmentId)
    if (existing && (await this.#current(existing, target))) {
      return this.#grantOf(existing)
    }
    // A changed endpoint (restart) must not keep pointing at what now listens there.
    await this.revoke(target.environmentId)

    const username = `${environmentNamePrefix(target.environmentId)}${randomBytes(6).toString('hex')}`
    const password = randomBytes(24).toString('base64url')
    const written = await this.#write(target, username, password)
    try {
      const access = await EnvironmentAccess.create({
        environmentId: target.environmentId,
        broker: this.name,
        guacamoleEntityId: written.entityId,
        guacamoleConnectionId: written.connectionId,
        guacamoleUsername: username,
        guacamolePassword: encryption.encrypt(password),
        endpointHost: target.host,
        endpointPort: target.port,
      })
      return this.#grantOf(access)
    } catch (error) {
      // Lost a race for the same environment (unique row), or the portal database failed.
      await this.#delete(written).catch(() => {})
      const winner = await EnvironmentAccess.findBy('environment_id', target.environmentId)
      if (winner && (await this.#current(winner, target))) {
        return this.#grantOf(winner)
      }
      throw error
    }
  }

  @observed('guacamole_db', 'revoke')
  async revoke(environmentId: number) {
    const pattern = startsWith(environmentNamePrefix(environmentId))
    try {
      await this.guacamole.transaction(async (trx) => {
        // Cascades remove parameters, permissions and the user; history stays.
        await trx.from('guacamole_connection').where('connection_name', 'like', pattern).delete()
        await trx
          .from('guacamole_entity')
          .where('type', 'USER')
          .where('name', 'like', pattern)
          .delete()
      })
    } catch (error) {
      throw this.#unavailable(error)
    }
    await EnvironmentAccess.query().where('environment_id', environmentId).delete()
  }

  @observed('guacamole_db', 'sweep')
  async sweep() {
    const pattern = startsWith(guacamoleNamePrefix())
    let names: string[]
    try {
      const connections = await this.guacamole
        .from('guacamole_connection')
        .where('connection_name', 'like', pattern)
        .select('connection_name as name')
      const entities = await this.guacamole
        .from('guacamole_entity')
        .where('type', 'USER')
        .where('name', 'like', pattern)
        .select('name')
      names = [...connections, ...entities].map((row) => row.name as string)
    } catch (error) {
      throw this.#unavailable(error)
    }
    const remembered = await EnvironmentAccess.query().select('environment_id')
    const ids = new Set([
      ...names.map(environmentIdOf).filter((id): id is number => id !== null),
      ...remembered.map((row) => row.environmentId),
    ])
    if (ids.size === 0) {
      return 0
    }
    const running = await Environment.query()
      .whereIn('id', [...ids])
      .where('state', 'running')
      .select('id')
    const live = new Set(running.map((environment) => environment.id))
    let swept = 0
    for (const id of ids) {
      if (!live.has(id)) {
        await this.revoke(id)
        swept++
      }
    }
    return swept
  }

  /** Whether the remembered records still exist and point at the environment's endpoint. */
  async #current(access: EnvironmentAccess, target: AccessTarget) {
    if (access.endpointHost !== target.host || access.endpointPort !== target.port) {
      return false
    }
    try {
      const row = await this.guacamole
        .from('guacamole_connection_permission')
        .where('entity_id', access.guacamoleEntityId)
        .where('connection_id', access.guacamoleConnectionId)
        .where('permission', 'READ')
        .first()
      return Boolean(row)
    } catch (error) {
      throw this.#unavailable(error)
    }
  }

  #grantOf(access: EnvironmentAccess): AccessGrant {
    return {
      clientId: clientIdentifier(access.guacamoleConnectionId, 'mysql'),
      credentials: {
        username: access.guacamoleUsername,
        password: encryption.decrypt<string>(access.guacamolePassword)!,
      },
    }
  }

  /** Entity, user, connection, parameters and READ permission: all or nothing. */
  async #write(target: AccessTarget, username: string, password: string): Promise<Written> {
    const salt = randomBytes(32)
    try {
      return await this.guacamole.transaction(async (trx) => {
        const [entityId] = await trx
          .table('guacamole_entity')
          .insert({ name: username, type: 'USER' })
        await trx.table('guacamole_user').insert({
          entity_id: entityId,
          password_hash: guacamolePasswordHash(password, salt),
          password_salt: salt,
          password_date: new Date(),
          disabled: false,
          // 1 would force a password change at first sign-in.
          expired: false,
        })
        const [connectionId] = await trx.table('guacamole_connection').insert({
          connection_name: username,
          parent_id: null,
          protocol: target.protocol,
        })
        await this.insertParameters(trx, connectionId, connectionParameters(target))
        await trx.table('guacamole_connection_permission').insert({
          entity_id: entityId,
          connection_id: connectionId,
          permission: 'READ',
        })
        return { entityId, connectionId }
      })
    } catch (error) {
      throw this.#unavailable(error)
    }
  }

  /** One row per parameter (a seam for tests that make it fail). */
  protected async insertParameters(
    trx: TransactionClientContract,
    connectionId: number,
    parameters: Record<string, string>
  ) {
    await trx.table('guacamole_connection_parameter').multiInsert(
      Object.entries(parameters).map(([name, value]) => ({
        connection_id: connectionId,
        parameter_name: name,
        parameter_value: value,
      }))
    )
  }

  async #delete(written: Written) {
    await this.guacamole.transaction(async (trx) => {
      await trx.from('guacamole_connection').where('connection_id', written.connectionId).delete()
      await trx.from('guacamole_entity').where('entity_id', written.entityId).delete()
    })
  }

  #unavailable(error: unknown) {
    // Only the driver's code and message: knex inlines the bindings (passwords) into its own.
    const { code, sqlMessage } = (error ?? {}) as { code?: string; sqlMessage?: string }
    logger.error({ code, reason: sqlMessage ?? code }, 'the Guacamole database failed')
    return new AccessUnavailableException()
  }
}
