import { SessionLucidUserProvider } from '@adonisjs/auth/session'
import type { LucidAuthenticatable, SessionGuardUser } from '@adonisjs/auth/types/session'
import type { LucidModel } from '@adonisjs/lucid/types/model'
import db from '@adonisjs/lucid/services/db'
import {
  accountColumns,
  accountFromRows,
  roleColumns,
  splitAccountRow,
  type AccountRows,
} from '#models/account_rows'
import { sessionAccounts } from '#models/verified_credentials'

/**
 * The session guard's user provider: the signed-in user and their roles
 * in one statement, remembered for AUTH_CACHE_TTL
 * (app/models/verified_credentials.ts), as the session itself is
 * (app/models/remembered_sessions.ts). The password hash is never read
 * here: what needs it reads it itself.
 */
export class SessionUsersProvider<
  UserModel extends LucidAuthenticatable,
> extends SessionLucidUserProvider<UserModel> {
  async findById(
    identifier: string | number | BigInt
  ): Promise<SessionGuardUser<InstanceType<UserModel>> | null> {
    const key = String(identifier)
    let rows = sessionAccounts.get(key)
    if (!rows) {
      const generation = sessionAccounts.generation
      rows = (await this.#read(key)) ?? undefined
      if (!rows) {
        return null
      }
      sessionAccounts.store(key, key, rows, generation)
    }
    const model = (await this.getModel()) as unknown as LucidModel
    return this.createUserForGuard(accountFromRows(model, rows) as InstanceType<UserModel>)
  }

  async #read(id: string): Promise<AccountRows | null> {
    const model = (await this.getModel()) as unknown as LucidModel
    const client = db.connection(model.connection)
    const row = await client
      .from(`${model.table} as u`)
      .where('u.id', id)
      .select(accountColumns(model, 'u'))
      .select(roleColumns(client, 'u'))
      .limit(1)
      .first()
    return row ? splitAccountRow(row) : null
  }
}
