import type { LucidModel, LucidRow } from '@adonisjs/lucid/types/model'
import type { QueryClientContract } from '@adonisjs/lucid/types/database'
import { ROLE_SOURCES, type RoleSource } from '#models/user_role'
import { plainAttributes } from '#models/plain_attributes'

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

/** An account's attributes as its model reads them (`consume` applied), and its role rows'. */
type ConsumedAccount = {
  owner: Record<string, unknown>
  roles: Array<Record<string, unknown>>
}

/**
 * What each remembered account's rows read as, worked out once per rows
 * (a credential cache entry hands the same rows to every request within
 * its TTL): the dates parsed into luxon DateTimes, the flags as booleans.
 * Keyed weakly by the rows, so a forgotten or expired entry takes its
 * attributes with it.
 */
const consumedAccounts = new WeakMap<Record<string, unknown>, ConsumedAccount>()

function consumedAccount(model: LucidModel, { ownerRow, roles }: AccountRows): ConsumedAccount {
  let consumed = consumedAccounts.get(ownerRow)
  if (!consumed) {
    const roleRows = model.$getRelation('roleRows')!.relatedModel()
    const owner = plainAttributes(model, ownerRow)
    consumed = {
      owner,
      roles: roles.map((role) =>
        plainAttributes(roleRows, { user_id: owner[model.primaryKey], ...role })
      ),
    }
    consumedAccounts.set(ownerRow, consumed)
  }
  return consumed
}

/**
 * A persisted model instance holding these attributes, as
 * `$createFromAdapterResult` makes one from a row, without consuming the
 * row again: its own copies of the attribute and original maps (the
 * values are primitives or immutable DateTimes, which the originals
 * share with the attributes there too), so that changing this instance
 * changes nothing remembered. The copies go into the instance's own
 * empty maps: every assignment to a model instance passes two traps of
 * its proxy (about half a microsecond), reading a map one.
 */
function persistedInstance(model: LucidModel, attributes: Record<string, unknown>) {
  const instance = new model() as LucidRow
  Object.assign(instance.$attributes, attributes)
  Object.assign(instance.$original, attributes)
  instance.$isPersisted = true
  instance.$isLocal = false
  return instance
}

/**
 * A fresh model instance of an account read as rows, with its "roleRows"
 * relation set: the credential caches keep rows, never instances, since
 * each request changes its own (`User.withholdRole`).
 */
export function accountFromRows(model: LucidModel, rows: AccountRows) {
  const { owner: attributes, roles } = consumedAccount(model, rows)
  const owner = persistedInstance(model, attributes)
  const roleRows = model.$getRelation('roleRows')!.relatedModel()
  // Assigned, the relation is set by the proxy on the instance itself
  // (`$setRelated` called through the proxy reads its fields through it).
  ;(owner as LucidRow & { roleRows: LucidRow[] }).roleRows = roles.map((role) =>
    persistedInstance(roleRows, role)
  )
  return owner
}
