import { createHash, randomBytes } from 'node:crypto'
import { inject } from '@adonisjs/core'
import db from '@adonisjs/lucid/services/db'
import logger from '@adonisjs/core/services/logger'
import encryption from '@adonisjs/core/services/encryption'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import Environment from '#models/environment'
import EnvironmentAccess from '#models/environment_access'
import AccessUnavailableException from '#exceptions/access_unavailable_exception'
import AccessRejectedException from '#exceptions/access_rejected_exception'
import type { AccessBroker, AccessGrant, AccessTarget } from '#services/access/access_broker'
import {
  clientIdentifier,
  connectionParameters,
  environmentIdOf,
  environmentNamePrefix,
  guacamoleNamePrefix,
  guacamoleUsername,
} from '#services/access/guacamole_connection'
import {
  GUACAMOLE_TEXT_LIMITS,
  guacamoleSafeText,
  guacamoleTextProblem,
} from '#domain/guacamole_text'
import { observed } from '#services/metrics/outside_calls'

/** The Lucid connection to Guacamole's database (config/database.ts). */
export const GUACAMOLE_CONNECTION = 'guacamole'

/**
 * How long a password the portal handed out keeps working when nobody asks
 * for access again: the browser (or the portal's own token exchange) uses
 * it at once, and Guacamole sessions opened with it are not affected.
 */
export const GUACAMOLE_CREDENTIALS_LIFETIME_MS = 10 * 60_000

/**
 * Driver errors about a value Guacamole's columns cannot hold: the same
 * grant fails the same way every time, so they are no "retry later".
 */
const REFUSED_VALUE: Record<string, 'characters' | 'length'> = {
  ER_TRUNCATED_WRONG_VALUE_FOR_FIELD: 'characters',
  ER_INVALID_CHARACTER_STRING: 'characters',
  ER_CANT_AGGREGATE_2COLLATIONS: 'characters',
  ER_CANT_AGGREGATE_3COLLATIONS: 'characters',
  ER_CANT_AGGREGATE_NCOLLATIONS: 'characters',
  ER_DATA_TOO_LONG: 'length',
  WARN_DATA_TRUNCATED: 'length',
}

/** Where a connection parameter's value comes from, so a refusal names what to change. */
const PARAMETER_SETTINGS: Record<string, string> = { username: 'REMOTE_USER' }

/** Every column the broker writes or reads, from each of its tables; answers no row. */
const SCHEMA_PROBE = `
  SELECT e.entity_id, e.name, e.type,
         u.user_id, u.entity_id, u.password_hash, u.password_salt, u.password_date,
         u.disabled, u.expired, u.full_name,
         up.entity_id, up.affected_user_id, up.permission,
         c.connection_id, c.connection_name, c.parent_id, c.protocol,
         p.connection_id, p.parameter_name, p.parameter_value,
         cp.entity_id, cp.connection_id, cp.permission
  FROM guacamole_entity e, guacamole_user u, guacamole_user_permission up,
       guacamole_connection c, guacamole_connection_parameter p,
       guacamole_connection_permission cp
  WHERE 1 = 0`

/** What a readiness report says about a failure of Guacamole's database (no secrets). */
function describeDatabaseError(error: unknown) {
  const { code, sqlMessage } = (error ?? {}) as { code?: string; sqlMessage?: string }
  switch (code) {
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_DBACCESS_DENIED_ERROR':
      return `Guacamole's database refused the portal's sign-in (${code}): check GUACAMOLE_DB_USER, GUACAMOLE_DB_PASSWORD and the account's grants`
    case 'ER_BAD_DB_ERROR':
      return `Guacamole's database does not exist (${code}): check GUACAMOLE_DB_DATABASE`
    case 'ER_NO_SUCH_TABLE':
    case 'ER_BAD_FIELD_ERROR':
      return `Guacamole's database lacks what schema 1.x has (${code}: ${sqlMessage})`
    case 'ER_TABLEACCESS_DENIED_ERROR':
    case 'ER_COLUMNACCESS_DENIED_ERROR':
      return `The portal's account may not read Guacamole's tables (${code}: ${sqlMessage})`
  }
  if ((error as Error | null)?.name === 'KnexTimeoutError') {
    return "Guacamole's database did not answer in time"
  }
  return `Guacamole's database cannot be reached (${code ?? (error as Error | null)?.message ?? 'no answer'})`
}

/**
 * Guacamole's password hash (JDBC module, 0.9 to 1.6): SHA-256 of the
 * UTF-8 password followed by the UPPER-CASE hex of the salt.
 */
export function guacamolePasswordHash(password: string, salt: Buffer) {
  return createHash('sha256')
    .update(password + salt.toString('hex').toUpperCase(), 'utf8')
    .digest()
}

/** A new random password with its salt and the columns that store it. */
function passwordColumns(password: string) {
  const salt = randomBytes(32)
  return {
    password_hash: guacamolePasswordHash(password, salt),
    password_salt: salt,
    password_date: new Date(),
  }
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
 * Every grant gives the user a new password, so credentials handed out
 * earlier stop working; unused ones expire after
 * GUACAMOLE_CREDENTIALS_LIFETIME_MS (the reconciler's sweep).
 */
@inject()
export default class GuacamoleDbBroker implements AccessBroker {
  readonly name = 'guacamole-db' as const

  protected get guacamole() {
    return db.connection(GUACAMOLE_CONNECTION)
  }

  /**
   * Refreshes the environment's records with a new password, or makes
   * them when there are none or the endpoint changed. `trx` is the
   * caller's transaction on the portal's database holding the
   * environment's row lock (AccessService): grants of one environment then
   * run one at a time. Throws AccessRejectedException when Guacamole can
   * never hold the connection, AccessUnavailableException otherwise.
   */
  @observed('guacamole_db', 'grant')
  async grant(target: AccessTarget, trx?: TransactionClientContract): Promise<AccessGrant> {
    const parameters = connectionParameters(target)
    this.assertStorable(parameters)
    const password = randomBytes(24).toString('base64url')
    const fullName = target.ownerName
      ? guacamoleSafeText(target.ownerName, GUACAMOLE_TEXT_LIMITS.fullName) || null
      : null

    const existing = await EnvironmentAccess.query({ client: trx })
      .where('environment_id', target.environmentId)
      .where('user_id', target.userId)
      .first()
    if (existing && (await this.#refresh(existing, target, parameters, password, fullName))) {
      existing.guacamolePassword = encryption.encrypt(password)
      if (trx) {
        existing.useTransaction(trx)
      }
      await existing.save()
      return this.#grantOf(existing, password)
    }

    // Nothing usable: a changed endpoint (restart) must not keep pointing at what now listens there.
    await this.revokeFor(target.environmentId, target.userId, trx)
    const username = guacamoleUsername(target.environmentId)
    const written = await this.#write(target, parameters, username, password, fullName)
    try {
      const access = await EnvironmentAccess.create(
        {
          environmentId: target.environmentId,
          userId: target.userId,
          broker: this.name,
          guacamoleEntityId: written.entityId,
          guacamoleConnectionId: written.connectionId,
          guacamoleUsername: username,
          guacamolePassword: encryption.encrypt(password),
          endpointHost: target.host,
          endpointPort: target.port,
        },
        { client: trx }
      )
      return this.#grantOf(access, password)
    } catch (error) {
      // The portal's database failed (or, without the caller's lock, another grant won the row).
      await this.#delete(written).catch(() => {})
      throw error
    }
  }

  /** Removes the environment's records; the portal transaction `trx` forgets them. */
  @observed('guacamole_db', 'revoke')
  async revoke(environmentId: number, trx?: TransactionClientContract) {
    const pattern = startsWith(environmentNamePrefix(environmentId))
    try {
      await this.guacamole.transaction(async (guacamole) => {
        // Cascades remove parameters, permissions and the user; history stays.
        await guacamole
          .from('guacamole_connection')
          .where('connection_name', 'like', pattern)
          .delete()
        await guacamole
          .from('guacamole_entity')
          .where('type', 'USER')
          .where('name', 'like', pattern)
          .delete()
      })
    } catch (error) {
      throw this.#failure(error)
    }
    await EnvironmentAccess.query({ client: trx }).where('environment_id', environmentId).delete()
  }

  /**
   * Removes one person's records of the environment (a revoked share),
   * leaving everyone else's; the portal transaction `trx` forgets them.
   * Returns the removed Guacamole username (null: there was none), whose
   * open tunnels only Guacamole's REST API can end (GuacamoleSessions).
   */
  @observed('guacamole_db', 'revoke_for')
  async revokeFor(environmentId: number, userId: number, trx?: TransactionClientContract) {
    const access = await EnvironmentAccess.query({ client: trx })
      .where('environment_id', environmentId)
      .where('user_id', userId)
      .first()
    if (!access) {
      return null
    }
    try {
      await this.#delete({
        entityId: access.guacamoleEntityId,
        connectionId: access.guacamoleConnectionId,
      })
    } catch (error) {
      throw this.#failure(error)
    }
    await EnvironmentAccess.query({ client: trx }).where('id', access.id).delete()
    return access.guacamoleUsername
  }

  /**
   * Reconciler: removes the records of environments that are gone or not
   * running, and makes passwords handed out longer ago than
   * GUACAMOLE_CREDENTIALS_LIFETIME_MS unusable. Returns how many
   * environments lost their records.
   */
  @observed('guacamole_db', 'sweep')
  async sweep() {
    await this.#expireCredentials()
    const ids = await this.#environmentsWithRecords()
    if (ids.size === 0) {
      return 0
    }
    const running = await Environment.query()
      .whereIn('id', [...ids])
      .where('state', 'running')
      .select('id')
    const live = new Set(running.map((environment) => environment.id))
    return this.#revokeAll([...ids].filter((id) => !live.has(id)))
  }

  /**
   * Removes every record this installation made, running environments
   * included: what is left when another broker (or none) took over.
   */
  @observed('guacamole_db', 'remove_all')
  async removeAll() {
    return this.#revokeAll([...(await this.#environmentsWithRecords())])
  }

  /**
   * Readiness: signs in to Guacamole's database and reads every column
   * the broker writes, from every table it writes (no row: the condition
   * is false). Throws an Error saying what is wrong, without secrets.
   */
  @observed('guacamole_db', 'ping')
  async ping() {
    try {
      await this.guacamole.rawQuery(SCHEMA_PROBE)
    } catch (error) {
      throw new Error(describeDatabaseError(error))
    }
  }

  /**
   * Refuses, before anything is written, connection values Guacamole's
   * utf8 columns cannot hold (a subclass seam for tests of the database's
   * own refusal).
   */
  protected assertStorable(parameters: Record<string, string>) {
    for (const [name, value] of Object.entries(parameters)) {
      const problem = guacamoleTextProblem(value, GUACAMOLE_TEXT_LIMITS.parameterValue)
      if (problem) {
        throw new AccessRejectedException(PARAMETER_SETTINGS[name] ?? name, problem)
      }
    }
  }

  async #revokeAll(ids: number[]) {
    for (const id of ids) {
      await this.revoke(id)
    }
    return ids.length
  }

  /** Environments with portal-named Guacamole records or an `environment_access` row. */
  async #environmentsWithRecords() {
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
      throw this.#failure(error)
    }
    const remembered = await EnvironmentAccess.query().select('environment_id')
    return new Set([
      ...names.map(environmentIdOf).filter((id): id is number => id !== null),
      ...remembered.map((row) => row.environmentId),
    ])
  }

  async #expireCredentials() {
    const handedOutBefore = new Date(Date.now() - GUACAMOLE_CREDENTIALS_LIFETIME_MS)
    try {
      await this.guacamole
        .from('guacamole_user')
        .whereIn('entity_id', (query) =>
          query
            .from('guacamole_entity')
            .where('type', 'USER')
            .where('name', 'like', startsWith(guacamoleNamePrefix()))
            .select('entity_id')
        )
        .where('password_date', '<', handedOutBefore)
        // A password nobody knows; the next grant sets a new one.
        .update(passwordColumns(randomBytes(24).toString('base64url')))
    } catch (error) {
      throw this.#failure(error)
    }
  }

  /**
   * Gives the remembered user a new password and brings its connection up
   * to date (the image may have changed); false when the records are gone
   * or point at another endpoint, and must be made anew.
   */
  async #refresh(
    access: EnvironmentAccess,
    target: AccessTarget,
    parameters: Record<string, string>,
    password: string,
    fullName: string | null
  ) {
    if (access.endpointHost !== target.host || access.endpointPort !== target.port) {
      return false
    }
    try {
      return await this.guacamole.transaction(async (guacamole) => {
        const permitted = await guacamole
          .from('guacamole_connection_permission')
          .where('entity_id', access.guacamoleEntityId)
          .where('connection_id', access.guacamoleConnectionId)
          .where('permission', 'READ')
          .first()
        if (!permitted) {
          return false
        }
        await guacamole
          .from('guacamole_user')
          .where('entity_id', access.guacamoleEntityId)
          .update({ ...passwordColumns(password), full_name: fullName })
        await guacamole
          .from('guacamole_connection')
          .where('connection_id', access.guacamoleConnectionId)
          .update({ protocol: target.protocol })
        await guacamole
          .from('guacamole_connection_parameter')
          .where('connection_id', access.guacamoleConnectionId)
          .delete()
        await this.insertParameters(guacamole, access.guacamoleConnectionId, parameters)
        return true
      })
    } catch (error) {
      throw this.#failure(error)
    }
  }

  #grantOf(access: EnvironmentAccess, password: string): AccessGrant {
    return {
      clientId: clientIdentifier(access.guacamoleConnectionId, 'mysql'),
      credentials: { username: access.guacamoleUsername, password },
    }
  }

  /**
   * Entity, user (READ on itself, as Guacamole grants every user it
   * creates), connection, parameters and READ on it: all or nothing.
   */
  async #write(
    target: AccessTarget,
    parameters: Record<string, string>,
    username: string,
    password: string,
    fullName: string | null
  ): Promise<Written> {
    try {
      return await this.guacamole.transaction(async (trx) => {
        const [entityId] = await trx
          .table('guacamole_entity')
          .insert({ name: username, type: 'USER' })
        const [userId] = await trx.table('guacamole_user').insert({
          entity_id: entityId,
          ...passwordColumns(password),
          disabled: false,
          // 1 would force a password change at first sign-in.
          expired: false,
          full_name: fullName,
        })
        await trx.table('guacamole_user_permission').insert({
          entity_id: entityId,
          affected_user_id: userId,
          permission: 'READ',
        })
        const [connectionId] = await trx.table('guacamole_connection').insert({
          connection_name: username,
          parent_id: null,
          protocol: target.protocol,
        })
        await this.insertParameters(trx, connectionId, parameters)
        await trx.table('guacamole_connection_permission').insert({
          entity_id: entityId,
          connection_id: connectionId,
          permission: 'READ',
        })
        return { entityId, connectionId }
      })
    } catch (error) {
      throw this.#failure(error)
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

  /** A refused value is permanent (409); anything else is Guacamole being unavailable (503). */
  #failure(error: unknown) {
    if (error instanceof AccessRejectedException) {
      return error
    }
    // Only the driver's code and message: knex inlines the bindings (passwords) into its own.
    const { code, sqlMessage } = (error ?? {}) as { code?: string; sqlMessage?: string }
    const refused = code ? REFUSED_VALUE[code] : undefined
    if (refused) {
      logger.warn({ code, reason: sqlMessage }, 'the Guacamole database refused a value')
      return new AccessRejectedException(null, refused)
    }
    logger.error({ code, reason: sqlMessage ?? code }, 'the Guacamole database failed')
    return new AccessUnavailableException()
  }
}
