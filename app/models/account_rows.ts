import type { LucidModel, LucidRow } from '@adonisjs/lucid/types/model'
import type { QueryClientContract } from '@adonisjs/lucid/types/database'
import { ROLE_SOURCES, type RoleSource } from '#models/user_role'

/** An account as one statement read it: its columns (adapter form, no password hash) and roles. */
export type AccountRows = {
  ownerRow: Record<string, unknown>
  roles: Array<{ role: string; source: RoleSource }>
}

const ROLES_PREFIX = 'account__roles_'

/** The account model's columns an authenticated request reads: all but the password hash. */
export function accountColumns(model: LucidModel, alias: string) {
  return [...model.$columnsDefinitions.values()]
    .map((column) => column.columnName)
    .filter((name) => name !== 'password')
    .map((name) => `${alias}.${name}`)
}

/** One column per role source with the account's role names (comma-separated), for one statement. */
export function roleColumns(db: QueryClientContract, accountAlias: string) {
  return ROLE_SOURCES.map((source) =>
    db.raw(
      `(SELECT group_concat(r.role) FROM user_roles r WHERE r.user_id = ${accountAlias}.id AND r.source = ?) AS ${ROLES_PREFIX}${source}`,
      [source]
    )
  )
}

/** Splits a row read with `roleColumns` into the account's columns and its roles. */
export function splitAccountRow(row: Record<string, unknown>): AccountRows {
  const ownerRow: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(row)) {
    if (!name.startsWith(ROLES_PREFIX)) {
      ownerRow[name] = value
    }
  }
  const roles = ROLE_SOURCES.flatMap((source) =>
    splitRoles(row[`${ROLES_PREFIX}${source}`]).map((role) => ({ role, source }))
  )
  return { ownerRow, roles }
}

function splitRoles(value: unknown) {
  return typeof value === 'string' && value !== '' ? value.split(',') : []
}

/**
 * A fresh model instance of an account read as rows, with its "roleRows"
 * relation set: the credential caches keep rows, never instances, since
 * each request changes its own (`User.withholdRole`).
 */
export function accountFromRows(model: LucidModel, { ownerRow, roles }: AccountRows) {
  const owner = model.$createFromAdapterResult(ownerRow) as LucidRow
  const roleRows = model.$getRelation('roleRows')!.relatedModel()
  owner.$setRelated(
    'roleRows' as any,
    roles.map((role) =>
      roleRows.$createFromAdapterResult({ user_id: owner.$primaryKeyValue, ...role })!
    )
  )
  return owner
}
