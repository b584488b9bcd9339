import vine from '@vinejs/vine'
import { ROLES } from '#models/role'
import { paginationFields } from '#validators/pagination'

/*
 * Fields the image and link catalogues share: every entry has a name, a
 * description, flags and the roles allowed to use it, and admins list
 * them the same way.
 */

export const catalogueName = () =>
  vine
    .string()
    .trim()
    .minLength(1)
    .maxLength(100)
    .regex(/^[^\p{Cc}]+$/u)

export const catalogueDescription = () =>
  vine
    .string()
    .trim()
    .maxLength(16_000)
    .transform((value) => (value === '' ? null : value))
    .nullable()
    .optional()

/** `use`: what the roles may do, e.g. "launch the image". Duplicates are harmless; the service stores each role once. */
export const allowedRoles = (use: string) =>
  vine
    .array(vine.enum(ROLES))
    .minLength(1)
    .maxLength(16)
    .optional()
    .meta({ description: `Roles that may ${use}; everyone holds "scientist".` })

export const flag = () => vine.boolean({ strict: true })

/** What users may list: a page, narrowed by a search in names and descriptions. */
export const catalogueListFields = {
  ...paginationFields,
  search: vine.string().trim().maxLength(100).optional(),
}

/** What admins may list: disabled entries too, or only enabled or disabled ones. */
export const adminCatalogueListFields = {
  ...catalogueListFields,
  enabled: vine
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional(),
}

/** An entry named in the path. */
export const catalogueParamsValidator = vine.create({
  params: vine.object({ id: vine.number().withoutDecimals().positive().max(2_147_483_647) }),
})
