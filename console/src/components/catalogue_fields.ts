import type { Role } from '../api/types'

/**
 * The form fields the image and link editors share, as the API's catalogue
 * fields do: what the entry is called and who may use it.
 */
export type CatalogueFormFields = {
  name: string
  description: string
  enabled: boolean
  scientists: boolean
  admins: boolean
}

/** What every catalogue entry tells of those fields. */
type CatalogueEntryFields = {
  name: string
  description: string | null
  enabled: boolean
  allowedRoles: Role[]
}

/** The shared fields of an entry's form; a new entry is enabled, for scientists only. */
export function catalogueFormOf(entry?: CatalogueEntryFields): CatalogueFormFields {
  return {
    name: entry?.name ?? '',
    description: entry?.description ?? '',
    enabled: entry?.enabled ?? true,
    scientists: entry ? entry.allowedRoles.includes('scientist') : true,
    admins: entry ? entry.allowedRoles.includes('admin') : false,
  }
}

/** The shared fields of the request body; an empty description is none. */
export function catalogueBodyOf(form: CatalogueFormFields) {
  const allowedRoles: Role[] = [
    ...(form.scientists ? ['scientist' as const] : []),
    ...(form.admins ? ['admin' as const] : []),
  ]
  return {
    name: form.name.trim(),
    description: form.description.trim() || null,
    enabled: form.enabled,
    allowedRoles,
  }
}
